"""Idempotency-Key on the Webhooks API: a replayed creation, test or redelivery makes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.http import create_webhook
from tests.e2e.test_idempotency_http import KEY, _replayed, _unchanged
from tests.fanout.helpers import deliveries, eventually
from tests.fanout.receiver import Receiver

pytestmark = pytest.mark.both_stores  # the outbox in each store

ONCE = {"Idempotency-Key": KEY}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_a_replayed_creation_shows_the_same_secret_which_the_log_holds_only_sealed(
    kyros: Kyros, client: httpx.Client, receiver: Receiver
) -> None:
    body = {"url": receiver.url, "events": ["task.created"]}
    first = client.post("/v1/webhooks", json=body, headers=ONCE)
    assert first.status_code == 201, first.text
    again = _unchanged(kyros, lambda: client.post("/v1/webhooks", json=body, headers=ONCE))
    _replayed(first, again)
    assert len(client.get("/v1/webhooks").json()["data"]["webhooks"]) == 1
    secret = first.json()["data"]["secret"].encode()
    stored = kyros.app.recorder.select_notifications(start=1, limit=1_000_000)
    assert all(secret not in n.state for n in stored)


def test_a_replayed_test_or_redelivery_queues_one_delivery(
    kyros: Kyros, client: httpx.Client, receiver: Receiver
) -> None:
    made = create_webhook(client, receiver.url, ["task.created"])
    test_path = f"/v1/webhooks/{made['id']}/test"
    first = client.post(test_path, headers=ONCE)
    assert first.status_code == 202, first.text
    _replayed(first, _unchanged(kyros, lambda: client.post(test_path, headers=ONCE)))
    original = eventually(lambda: deliveries(client, made["id"], status="delivered"))[0]
    assert original["id"] == first.json()["data"]["id"]

    path = f"/v1/webhooks/{made['id']}/deliveries/{original['id']}/redeliver"
    redelivered = client.post(path, headers=ONCE)
    assert redelivered.status_code == 202, redelivered.text
    _replayed(redelivered, _unchanged(kyros, lambda: client.post(path, headers=ONCE)))
    assert len(deliveries(client, made["id"])) == 2
    assert len(receiver.wait_for(lambda r: len(r) == 2)) == 2
