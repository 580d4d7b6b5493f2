"""The Webhooks API over a real socket: create, read, update, delete, test, rotate, redeliver."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import make_api_key
from tests.builders.http import create_task, create_webhook
from tests.e2e.helpers import assert_error
from tests.fanout.helpers import deliveries, eventually
from tests.fanout.receiver import Receiver
from tests.http_client import http_client

EVENTS = [
    "task.created",
    "task.completed",
    "task.failed",
    "escalation.approved",
    "escalation.rejected",
]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_creating_a_webhook_answers_the_spec_shape_and_shows_the_secret_once(
    client: httpx.Client, receiver: Receiver
) -> None:
    body = {"url": receiver.url, "events": EVENTS, "description": "Task and escalation events"}
    response = client.post("/v1/webhooks", json=body)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["id"].startswith("webhook_")
    assert data["url"] == receiver.url
    assert data["events"] == EVENTS
    assert data["status"] == "active"
    assert data["last_triggered"] is None
    assert data["created_at"].endswith("Z")
    assert data["secret"].startswith("whsec_")
    for later in (client.get(f"/v1/webhooks/{data['id']}"), client.get("/v1/webhooks")):
        assert later.status_code == 200
        assert data["secret"] not in later.text
        assert "sealed" not in later.text


def test_a_given_whsec_secret_is_used_and_a_malformed_one_is_refused(
    client: httpx.Client, receiver: Receiver
) -> None:
    given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    made = create_webhook(client, receiver.url, ["task.created"], secret=given)
    assert made["secret"] == given
    bad = client.post(
        "/v1/webhooks",
        json={"url": receiver.url, "events": ["task.created"], "secret": "whsec_not-base64!"},
    )
    assert_error(bad, 422, "VALIDATION_ERROR", field="secret")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["task.created"]}, "url"),
        ({"url": "ftp://127.0.0.1/x", "events": ["task.created"]}, "url"),
        ({"url": "http://127.0.0.1/x", "events": []}, "events"),
        ({"url": "http://127.0.0.1/x", "events": ["task.exploded"]}, "events"),
        ({"url": "http://127.0.0.1/x", "events": ["task.created"], "colour": "red"}, "colour"),
        ({"url": "http://10.0.0.1/x", "events": ["task.created"]}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data", "events": ["task.created"]}, "url"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    client: httpx.Client, body: dict[str, object], field: str
) -> None:
    assert_error(client.post("/v1/webhooks", json=body), 422, "VALIDATION_ERROR", field=field)
    assert client.get("/v1/webhooks").json()["data"]["webhooks"] == []


def test_update_pauses_and_changes_events_and_delete_removes(
    client: httpx.Client, receiver: Receiver
) -> None:
    made = create_webhook(client, receiver.url, ["task.created"])
    path = f"/v1/webhooks/{made['id']}"
    updated = client.put(
        path, json={"events": ["task.created", "task.completed"], "status": "paused"}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["status"] == "paused"
    assert updated.json()["data"]["events"] == ["task.created", "task.completed"]
    assert_error(client.put(path, json={}), 422, "VALIDATION_ERROR", field="body")
    assert_error(
        client.put(path, json={"status": "disabled"}), 422, "VALIDATION_ERROR", field="status"
    )
    assert client.delete(path).json()["data"]["status"] == "deleted"
    assert_error(client.get(path), 404, "NOT_FOUND", field="webhook_id")
    assert_error(client.delete(path), 404, "NOT_FOUND")
    assert_error(client.get("/v1/webhooks/webhook_nope"), 404, "NOT_FOUND")


def test_a_test_delivery_reaches_the_receiver_signed(
    client: httpx.Client, receiver: Receiver
) -> None:
    made = create_webhook(client, receiver.url, ["task.created"])
    queued = client.post(f"/v1/webhooks/{made['id']}/test")
    assert queued.status_code == 202, queued.text
    delivery = queued.json()["data"]
    assert delivery["event_type"] == "webhook.test"
    (got,) = receiver.wait_for(lambda r: len(r) == 1)
    assert got.verifies_with(made["secret"])
    assert got.headers["webhook-id"] == delivery["message_id"]
    assert got.payload["type"] == "webhook.test"
    done = eventually(
        lambda: [d for d in deliveries(client, made["id"]) if d["status"] == "delivered"]
    )
    (attempt,) = done[0]["attempt_log"]
    assert attempt["status_code"] == 200
    assert attempt["latency_ms"] >= 0
    assert attempt["response_body"] == "ok"
    assert client.get(f"/v1/webhooks/{made['id']}").json()["data"]["last_triggered"]


def test_rotating_the_secret_signs_with_both_during_the_overlap(
    client: httpx.Client, receiver: Receiver
) -> None:
    made = create_webhook(client, receiver.url, ["task.created"])
    rotated = client.post(
        f"/v1/webhooks/{made['id']}/rotate-secret", json={"overlap_seconds": 3600}
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["data"]["secret"]
    assert new != made["secret"]
    assert rotated.json()["data"]["previous_secret_expires_at"]
    create_task(client, title="after rotation")
    (got,) = receiver.wait_for(lambda r: len(r) == 1)
    assert got.verifies_with(new) and got.verifies_with(made["secret"])
    ended = client.post(f"/v1/webhooks/{made['id']}/rotate-secret", json={"overlap_seconds": 0})
    newest = ended.json()["data"]["secret"]
    create_task(client, title="after the overlap")
    second = receiver.wait_for(lambda r: len(r) == 2)[1]
    assert second.verifies_with(newest)
    assert not second.verifies_with(new)


def test_a_redelivery_resends_the_same_message_id(client: httpx.Client, receiver: Receiver) -> None:
    made = create_webhook(client, receiver.url, ["task.created"])
    create_task(client, title="once")
    first = receiver.wait_for(lambda r: len(r) == 1)[0]
    original = eventually(lambda: deliveries(client, made["id"], status="delivered"))[0]
    path = f"/v1/webhooks/{made['id']}/deliveries/{original['id']}/redeliver"
    again = client.post(path)
    assert again.status_code == 202, again.text
    assert again.json()["data"]["redelivery_of"] == original["id"]
    second = receiver.wait_for(lambda r: len(r) == 2)[1]
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert second.body == first.body
    assert second.verifies_with(made["secret"])
    unknown = f"/v1/webhooks/{made['id']}/deliveries/dlv_01ARZ3NDEKTSV4RRFFQ69G5FAV/redeliver"
    assert_error(client.post(unknown), 404, "NOT_FOUND", field="delivery_id")


def test_only_manage_webhooks_may_touch_webhooks(
    kyros: Kyros, base_url: str, receiver: Receiver
) -> None:
    developer = make_api_key(kyros, "developer").key
    with http_client(base_url=base_url, headers={"Authorization": f"Bearer {developer}"}) as dev:
        assert_error(dev.get("/v1/webhooks"), 403, "FORBIDDEN")
        body = {"url": receiver.url, "events": ["task.created"]}
        assert_error(dev.post("/v1/webhooks", json=body), 403, "FORBIDDEN")
