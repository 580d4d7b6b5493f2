"""Verification's bulk path computes the chain's own links and hands anything odd to the walk."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kyros.audit import batch
from kyros.audit import verify as verifying
from kyros.audit.link import GENESIS
from kyros.audit.stored import StoredEvent, read_stored, recorded_at
from kyros.audit.verify import Report, verify
from kyros.bootstrap import Kyros
from kyros.eventstore.transcoder import MsgpackTranscoder
from tests.audit.tamper import chained_log, flip_byte, rechain, sql
from tests.builders.history import seed_mix

pytestmark = pytest.mark.both_stores


def check(kyros: Kyros) -> Report:
    return verify(kyros.db, kyros.audit.key.public_key())


def test_the_bulk_links_of_a_realistic_log_are_the_chains_links(kyros: Kyros) -> None:
    head = seed_mix(kyros.app, 400)
    with kyros.db.transaction(write=False) as tx:
        rows = batch.read_events(tx, kyros.db.dialect, 0, head, head)
        events = read_stored(tx, kyros.db.dialect, 0, head, head)
    expected, previous = [], GENESIS
    for event in events:
        previous = event.link_after(previous)
        expected.append(previous)

    assert len(rows) == head
    assert batch.chain(rows, GENESIS, kyros.db.dialect == "sqlite") == expected


@pytest.mark.parametrize("size", [4, 5])
def test_an_untouched_log_verifies_clean_in_small_batches(
    kyros: Kyros, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    chained_log(kyros)
    monkeypatch.setattr(verifying, "BATCH", size)

    report = check(kyros)

    assert report.ok, report.problem
    assert (report.checked, report.checkpoints, report.chain_head) == (13, 2, 13)


def test_a_change_past_the_first_batch_is_found_at_its_position(
    kyros: Kyros, monkeypatch: pytest.MonkeyPatch
) -> None:
    chained_log(kyros)
    monkeypatch.setattr(verifying, "BATCH", 4)
    flip_byte(kyros, 9)

    report = check(kyros)

    assert report.problem is not None
    assert (report.problem.position, report.problem.kind) == (9, "altered")
    assert (report.checked, report.checkpoints) == (8, 1)


def test_a_row_deleted_past_the_first_batch_is_found_where_it_was(
    kyros: Kyros, monkeypatch: pytest.MonkeyPatch
) -> None:
    chained_log(kyros)
    monkeypatch.setattr(verifying, "BATCH", 4)
    sql(kyros, "DELETE FROM {events} WHERE {position} = 12")

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (12, "deleted")


def test_a_rechained_forgery_past_the_first_batch_fails_the_next_checkpoint(
    kyros: Kyros, monkeypatch: pytest.MonkeyPatch
) -> None:
    chained_log(kyros)
    monkeypatch.setattr(verifying, "BATCH", 4)
    flip_byte(kyros, 7)
    rechain(kyros)

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (6, "rewritten")


def test_states_laid_out_otherwise_get_the_same_links_as_the_walk() -> None:
    moment = datetime(2026, 11, 30, 23, 8, 39, 120, tzinfo=UTC)
    states = [
        MsgpackTranscoder().encode({"timestamp": moment, "n": 1}),
        MsgpackTranscoder().encode({"actor": "a", "timestamp": moment}),
        b"\xc1garbage",
    ]
    entity = bytes(range(16))
    events = [StoredEvent(p + 1, entity, p + 1, "a.b:C", "", s) for p, s in enumerate(states)]
    rows = [(e.position, entity.hex(), e.version, e.topic, e.state) for e in events]
    expected, previous = [], GENESIS
    for event in events:
        fixed = StoredEvent(
            event.position,
            entity,
            event.version,
            event.topic,
            recorded_at(event.state),
            event.state,
        )
        previous = fixed.link_after(previous)
        expected.append(previous)

    assert batch.chain(rows, GENESIS, hex_ids=True) == expected


@pytest.mark.parametrize(
    "row",
    [
        (1, "0011-2233445566778899aabbccddeeff", 1, "a:B", b"\x80"),
        (1, "00112233", 1, "a:B", b"\x80"),
        (1, "00" * 16, "1", "a:B", b"\x80"),
        (1, "00" * 16, 1, b"a:B", b"\x80"),
        (1, "00" * 16, 1, "a:B", "text"),
    ],
)
def test_a_row_stored_oddly_is_left_to_the_walk(row: tuple[object, ...]) -> None:
    with pytest.raises((batch.Unusual, ValueError, TypeError, AttributeError)):
        batch.chain([row], GENESIS, hex_ids=True)
