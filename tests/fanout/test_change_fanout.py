"""Who changed what: configuration, budget, agent-role, webhook and user changes go out, with
their actor and time, to permitted WebSocket subscribers, to webhooks and to the events API."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection

from kyros.bootstrap import Kyros
from kyros.domain.event_catalogue import BY_QUALNAME
from kyros.fanout.changes import CHANGE_WS_TYPES, CHANGES
from kyros.fanout.event_types import CATALOG, WS_TYPES
from tests.builders.commands import Credential, make_api_key
from tests.builders.http import create_budget, create_webhook
from tests.fanout.receiver import Receiver
from tests.fanout.wsclient import next_of, open_socket, receive, subscribe

pytestmark = pytest.mark.both_stores

_PASSWORD = "a long enough password"


def change_messages(socket: ClientConnection, count: int) -> list[dict[str, Any]]:
    """The next `count` change messages, skipping heartbeats."""
    found: list[dict[str, Any]] = []
    while len(found) < count:
        message = receive(socket)
        assert message["type"] != "error", message
        if message["type"] in CHANGE_WS_TYPES:
            found.append(message)
    return found


def configure(client: httpx.Client, **section: Any) -> None:
    response = client.put("/v1/configuration", json=section)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("qualname", sorted(CHANGES))
def test_every_published_change_names_who_made_it(qualname: str) -> None:
    event_class = BY_QUALNAME[qualname].event_class
    assert "actor" in {f.name for f in fields(event_class)}
    assert CATALOG[qualname].hook_type == BY_QUALNAME[qualname].name
    assert WS_TYPES[CATALOG[qualname].ws_type or ""] == CHANGE_WS_TYPES[CHANGES[qualname]]


def test_an_auditor_subscribed_to_configuration_changes_sees_who_changed_what_and_when(
    kyros: Kyros, client: httpx.Client, base_url: str, admin: Credential
) -> None:
    auditor = make_api_key(kyros, "auditor")
    with open_socket(base_url, auditor.key) as socket:
        subscribe(socket, ["configuration_changed"])
        configure(client, escalation={"max_daily_escalations": 7})
        changed = client.put("/v1/agents/implementer/configuration", json={"enabled": False})
        assert changed.status_code == 200, changed.text
        system, role = change_messages(socket, 2)
    assert set(system) == {"type", "data", "timestamp", "position"}
    assert system["data"]["type"] == "configuration.updated"
    assert system["data"]["entity"] == {"kind": "configuration", "id": "system"}
    assert system["data"]["actor"] == admin.id
    assert system["data"]["recorded_at"] == system["timestamp"]
    assert system["timestamp"].endswith("Z")
    changes = system["data"]["data"]["changes"]
    assert changes == {"escalation.max_daily_escalations": {"old": 10, "new": 7}}
    assert role["type"] == "configuration_changed"
    assert role["data"]["type"] == "agent_role.updated"
    assert role["data"]["entity"] == {"kind": "agent_role", "id": "implementer"}
    assert role["data"]["actor"] == admin.id
    assert system["position"] < role["position"]


@pytest.mark.parametrize(
    ("role", "denied"),
    [
        ("viewer", "configuration_changed"),
        ("viewer", "budget_changed"),
        ("developer", "configuration_changed"),
        ("developer", "webhook_changed"),
        ("auditor", "webhook_changed"),
        ("auditor", "user_changed"),
        ("approver", "user_changed"),
    ],
)
def test_a_subscriber_without_the_permission_cannot_subscribe_to_a_change_type(
    kyros: Kyros, base_url: str, role: str, denied: str
) -> None:
    key = make_api_key(kyros, role)
    with open_socket(base_url, key.key) as socket:
        socket.send(json.dumps({"type": "subscribe", "events": [denied]}))
        error = next_of(socket, "error")
    assert error["data"]["code"] == "FORBIDDEN"
    assert denied in error["data"]["details"]["issue"]


def test_budget_webhook_and_user_changes_reach_an_admin_without_their_secrets(
    client: httpx.Client, base_url: str, admin: Credential
) -> None:
    with open_socket(base_url, admin.key) as socket:
        subscribe(socket, ["budget_changed", "webhook_changed", "user_changed"])
        budget = create_budget(client, name="Watched")
        hook = create_webhook(client, "http://127.0.0.1:9/hook", ["task.created"])
        made = client.post("/v1/users", json={"username": "ada", "password": _PASSWORD})
        assert made.status_code == 201, made.text
        rotated = client.post(f"/v1/webhooks/{hook['id']}/rotate-secret", json={})
        assert rotated.status_code == 200, rotated.text
        user_id = made.json()["data"]["id"]
        changed = client.put(f"/v1/users/{user_id}/password", json={"password": _PASSWORD + "!"})
        assert changed.status_code == 200, changed.text
        messages = change_messages(socket, 5)
    kinds = [(m["type"], m["data"]["type"]) for m in messages]
    assert kinds == [
        ("budget_changed", "budget.created"),
        ("webhook_changed", "webhook.created"),
        ("user_changed", "user.created"),
        ("webhook_changed", "webhook.secret_rotated"),
        ("user_changed", "user.password_changed"),
    ]
    assert messages[0]["data"]["entity"] == {"kind": "budget", "id": budget["id"]}
    assert messages[1]["data"]["entity"] == {"kind": "webhook", "id": hook["id"]}
    assert messages[2]["data"]["entity"]["id"] == messages[4]["data"]["entity"]["id"] == user_id
    assert {m["data"]["actor"] for m in messages} == {admin.id}
    text = json.dumps(messages)
    for secret in (hook["secret"], rotated.json()["data"]["secret"], _PASSWORD, "$argon2"):
        assert secret not in text
    for field in ("sealed_secret", "previous_sealed_secret", "password_hash"):
        assert field not in text


def test_a_webhook_subscribed_to_configuration_updates_receives_a_signed_delivery(
    client: httpx.Client, admin: Credential
) -> None:
    with Receiver() as receiver:
        hook = create_webhook(client, receiver.url, ["configuration.updated", "user.role_granted"])
        configure(client, monitoring={"alert_enabled": False})
        (got,) = receiver.wait_for(lambda r: len(r) == 1)
    assert got.verifies_with(hook["secret"])
    assert got.payload["type"] == "configuration.updated"
    assert got.payload["data"]["actor"] == admin.id
    assert got.payload["data"]["recorded_at"] == got.payload["timestamp"]
    changes = got.payload["data"]["data"]["changes"]
    assert changes == {"monitoring.alert_enabled": {"old": True, "new": False}}


def test_the_events_api_names_who_made_each_change(client: httpx.Client, admin: Credential) -> None:
    configure(client, models={"timeout": 120})
    create_budget(client, name="Audited")
    create_webhook(client, "http://127.0.0.1:9/hook", ["budget.updated"])
    client.post("/v1/users", json={"username": "bea", "password": _PASSWORD})
    wanted = "configuration.updated,budget.created,webhook.created,user.created"
    response = client.get("/v1/events", params={"type": wanted})
    assert response.status_code == 200, response.text
    events = response.json()["data"]["events"]
    assert sorted(e["type"] for e in events) == sorted(wanted.split(","))
    assert {e["actor"] for e in events} == {admin.id}
    assert all(e["recorded_at"].endswith("Z") for e in events)


def test_a_webhook_is_told_of_changes_to_webhooks_including_its_own(
    client: httpx.Client, admin: Credential
) -> None:
    with Receiver() as receiver:
        hook = create_webhook(client, receiver.url, ["webhook.updated"])
        edited = client.put(f"/v1/webhooks/{hook['id']}", json={"description": "audited"})
        assert edited.status_code == 200, edited.text
        (got,) = receiver.wait_for(lambda r: len(r) == 1)
    assert got.verifies_with(hook["secret"])
    assert got.payload["type"] == "webhook.updated"
    assert got.payload["data"]["entity"] == {"kind": "webhook", "id": hook["id"]}
    assert got.payload["data"]["actor"] == admin.id
    assert got.payload["data"]["data"]["changes"]["description"]["new"] == "audited"
