"""Idempotency-Key records left by an earlier process: a stopped answer, an expired key."""

from __future__ import annotations

from datetime import timedelta

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.commands.idempotency import ClaimKey, RecordAnswer, claim_key, record_answer
from kyros.domain.idempotency import ANSWER_GRACE, LIFETIME, IdempotencyRecord
from kyros.eventstore.riders import riding
from kyros.http.idempotency import fingerprint
from kyros.timefmt import now
from tests.builders.commands import Credential, make_task
from tests.e2e.helpers import assert_error, total_tasks
from tests.e2e.test_idempotency_http import KEY

pytestmark = pytest.mark.both_stores  # idempotency records live in each store

BODY = {"title": "T"}


def _claimed_by_an_earlier_process(
    kyros: Kyros, caller: Credential, age: timedelta
) -> IdempotencyRecord:
    """What a process leaves when it stops between the command's save and the answer's:
    the claim, saved with the command's events, and no answer."""
    request = {"method": "POST", "path": "/v1/tasks", "query_string": b""}
    claim = ClaimKey(
        scope=f"{caller.id}\nPOST /v1/tasks\n{KEY}",
        fingerprint=fingerprint(request, msgspec.json.encode(BODY)),  # type: ignore[arg-type]
        now=now() - age,
    )
    verdict, record = claim_key(kyros.app, claim)
    assert verdict == "run"
    with riding(record) as rider:
        make_task(kyros.app, actor=caller.id, title="T")
    assert rider.saved
    kyros.engine.catch_up("tasks", 500)
    return record


def test_a_claim_still_being_answered_is_in_flight(
    kyros: Kyros, admin: Credential, client: httpx.Client
) -> None:
    _claimed_by_an_earlier_process(kyros, admin, timedelta(0))
    retried = client.post("/v1/tasks", json=BODY, headers={"Idempotency-Key": KEY})
    assert_error(retried, 409, "CONFLICT", "Idempotency-Key")
    assert retried.headers["retry-after"] == "1"
    assert "still being processed" in retried.json()["error"]["details"]["issue"]


def test_a_claim_whose_answer_was_never_recorded_says_so_and_applies_nothing_again(
    kyros: Kyros, admin: Credential, client: httpx.Client
) -> None:
    _claimed_by_an_earlier_process(kyros, admin, ANSWER_GRACE * 2)
    retried = client.post("/v1/tasks", json=BODY, headers={"Idempotency-Key": KEY})
    assert_error(retried, 409, "CONFLICT", "Idempotency-Key")
    assert "answer was lost" in retried.json()["error"]["details"]["issue"]
    assert total_tasks(client) == 1


def test_after_24_hours_the_same_key_runs_the_request_anew(
    kyros: Kyros, admin: Credential, client: httpx.Client
) -> None:
    record = _claimed_by_an_earlier_process(kyros, admin, LIFETIME + timedelta(minutes=1))
    record_answer(kyros.app, record, RecordAnswer(status=201, body='{"old": true}'))
    retried = client.post("/v1/tasks", json=BODY, headers={"Idempotency-Key": KEY})
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert total_tasks(client) == 2
    again = client.post("/v1/tasks", json=BODY, headers={"Idempotency-Key": KEY})
    assert again.content == retried.content
    assert again.headers["idempotent-replayed"] == "true"
