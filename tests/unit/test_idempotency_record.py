"""The IdempotencyRecord aggregate's verdicts, with no I/O: time comes in as an argument."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kyros.domain.idempotency import ANSWER_GRACE, LIFETIME, IdempotencyRecord

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _record() -> IdempotencyRecord:
    return IdempotencyRecord(scope="key_1\nPOST /v1/tasks\nk", fingerprint="f", claimed_at=T0)


def test_the_same_scope_names_the_same_record_and_another_scope_another() -> None:
    assert IdempotencyRecord.create_id("a") == IdempotencyRecord.create_id("a")
    assert IdempotencyRecord.create_id("a") != IdempotencyRecord.create_id("b")


def test_an_answered_key_replays_for_the_same_request_and_refuses_another() -> None:
    record = _record()
    record.answer(status=201, body="{}", sealed=False, resource_id=None)
    assert record.verdict("f", T0 + timedelta(hours=1)) == "replay"
    assert record.verdict("other", T0 + timedelta(hours=1)) == "mismatch"


def test_an_unanswered_key_is_in_flight_then_its_answer_is_lost() -> None:
    record = _record()
    assert record.verdict("f", T0 + ANSWER_GRACE / 2) == "in_flight"
    assert record.verdict("f", T0 + ANSWER_GRACE) == "lost"


def test_after_its_lifetime_a_key_runs_anew_whatever_the_request_and_can_be_reclaimed() -> None:
    record = _record()
    record.answer(status=201, body="{}", sealed=False, resource_id=None)
    later = T0 + LIFETIME
    assert record.verdict("f", later) == "run"
    assert record.verdict("other", later) == "run"
    record.reclaim(fingerprint="other", claimed_at=later)
    assert record.verdict("other", later) == "in_flight"
    assert record.verdict("f", later) == "mismatch"
