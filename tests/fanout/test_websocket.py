"""The WebSocket API with a real client: authentication, subscriptions, roles, resume."""

from __future__ import annotations

import json
import socket as socket_module
from typing import Any

import httpx
import msgspec
import pytest
from websockets.sync.client import connect

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.aggregates import new_task
from tests.builders.commands import Credential, make_api_key
from tests.builders.http import create_task
from tests.conftest import LiveServer
from tests.fanout.helpers import eventually
from tests.fanout.wsclient import close_code, next_of, open_socket, receive, subscribe, ws_url
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores  # wake-ups come through LISTEN/NOTIFY on PostgreSQL


def progress(client: httpx.Client, task_id: str, done: int, total: int = 5) -> None:
    body: dict[str, Any] = {"progress": {"completed_steps": done, "total_steps": total}}
    if done == 1:
        body["status"] = "in_progress"
    body["progress"]["current_step"] = f"step {done}"
    response = client.put(f"/v1/tasks/{task_id}", json=body)
    assert response.status_code == 200, response.text


def test_a_client_receives_task_progress_in_the_spec_shape(
    client: httpx.Client, base_url: str, admin: Credential
) -> None:
    with open_socket(base_url, admin.key) as socket:
        ack = subscribe(socket, ["task_progress", "escalation_status", "system_alerts"])
        assert ack["data"]["events"] == ["escalation_status", "system_alerts", "task_progress"]
        task = create_task(client, title="watched")
        progress(client, task["id"], 1)
        progress(client, task["id"], 3)
        first, second = next_of(socket, "task_progress"), next_of(socket, "task_progress")
    assert set(second) == {"type", "data", "timestamp", "position"}
    assert second["data"]["task_id"] == task["id"]
    assert second["data"]["status"] == "in_progress"
    assert second["data"]["progress"] == {"completed_steps": 3, "total_steps": 5, "percentage": 60}
    assert second["data"]["current_step"] == "step 3"
    assert "estimated_completion" in second["data"]
    assert second["timestamp"].endswith("Z")
    assert first["position"] < second["position"]


@pytest.mark.parametrize("path", ["/ws", "/v1/ws"])
def test_a_header_or_query_credential_authenticates_without_an_auth_message(
    base_url: str, admin: Credential, path: str
) -> None:
    headers = {"Authorization": f"Bearer {admin.key}"}
    with open_socket(base_url, path=path, additional_headers=headers) as socket:
        assert next_of(socket, "authenticated")["data"]["kind"] == "api_key"
    with open_socket(base_url + "", path=f"{path}?token={admin.key}") as socket:
        assert next_of(socket, "authenticated")["data"]["roles"] == ["admin"]


def test_an_unauthenticated_socket_is_closed_with_4401_after_the_timeout(base_url: str) -> None:
    with open_socket(base_url) as socket:
        code, reason = close_code(socket)
    assert code == 4401
    assert "timeout" in reason


@pytest.mark.parametrize(
    "first",
    [
        {"type": "auth", "token": "not-a-token"},
        {"type": "subscribe", "events": ["task_progress"]},
        "{not json",
    ],
)
def test_a_bad_first_message_closes_with_4401(base_url: str, first: object) -> None:
    with open_socket(base_url) as socket:
        socket.send(first if isinstance(first, str) else json.dumps(first))
        code, _ = close_code(socket)
    assert code == 4401


def test_after_authentication_a_bad_message_gets_an_error_and_the_socket_stays(
    base_url: str, admin: Credential
) -> None:
    with open_socket(base_url, admin.key) as socket:
        socket.send(json.dumps({"type": "subscribe", "events": ["task_exploded"]}))
        error = next_of(socket, "error")
        assert error["data"]["code"] == "VALIDATION_ERROR"
        assert error["data"]["details"]["field"] == "events"
        socket.send(json.dumps({"type": "ping"}))
        assert next_of(socket, "pong")["data"]["position"] >= 0


def test_a_subscriber_sees_only_what_its_role_may_read(kyros: Kyros, base_url: str) -> None:
    agent = make_api_key(kyros, "agent").key
    with open_socket(base_url, agent) as socket:
        socket.send(json.dumps({"type": "subscribe", "events": ["task_progress", "system_alerts"]}))
        error = next_of(socket, "error")
        assert error["data"]["code"] == "FORBIDDEN"
        assert "system_alerts" in error["data"]["details"]["issue"]
        assert subscribe(socket, ["task_progress"])["data"]["events"] == ["task_progress"]


def test_a_task_filter_narrows_the_stream(
    client: httpx.Client, base_url: str, admin: Credential
) -> None:
    watched, other = create_task(client, title="watched"), create_task(client, title="other")
    with open_socket(base_url, admin.key) as socket:
        subscribe(socket, ["task_status"], filters={"task_id": watched["id"]})
        client.delete(f"/v1/tasks/{other['id']}")
        client.delete(f"/v1/tasks/{watched['id']}")
        status = next_of(socket, "task_status")
    assert status["data"]["task_id"] == watched["id"]
    assert status["data"]["status"] == "cancelled"


def test_a_reconnecting_client_resumes_from_its_position_without_gaps(
    client: httpx.Client, base_url: str, admin: Credential
) -> None:
    task = create_task(client, title="resumable")
    with open_socket(base_url, admin.key) as socket:
        subscribe(socket, ["task_progress"])
        progress(client, task["id"], 1)
        last = next_of(socket, "task_progress")["position"]
    for done in (2, 3, 4):
        progress(client, task["id"], done)
    with open_socket(base_url, admin.key) as socket:
        ack = subscribe(socket, ["task_progress"], since=last)
        assert ack["data"]["replayed"] == 3
        missed = [next_of(socket, "task_progress") for _ in range(3)]
        progress(client, task["id"], 5)
        live = next_of(socket, "task_progress")
    assert [m["data"]["progress"]["completed_steps"] for m in missed] == [2, 3, 4]
    assert live["data"]["progress"]["completed_steps"] == 5
    positions = [m["position"] for m in [*missed, live]]
    assert positions == sorted(positions) and positions[0] > last


def test_resuming_from_before_the_retention_asks_for_a_resync(
    settings: Settings, client: httpx.Client
) -> None:
    tuned = msgspec.structs.replace(settings, ws_resume_events=2)
    with Kyros(tuned) as kyros, LiveServer(kyros) as url:
        key = make_api_key(kyros, "admin").key
        headers = {"Authorization": f"Bearer {key}"}
        with http_client(base_url=url, headers=headers) as http:
            for n in range(4):
                create_task(http, title=f"t{n}")
            with open_socket(url, key) as socket:
                socket.send(
                    json.dumps({"type": "subscribe", "events": ["task_status"], "since": 1})
                )
                resync = next_of(socket, "resync_required")
                assert resync["data"]["requested"] == 1
                assert resync["data"]["oldest_available"] > 1
                assert next_of(socket, "subscribed")["data"]["replayed"] == 0


def test_heartbeats_carry_the_position(base_url: str, admin: Credential) -> None:
    with open_socket(base_url, admin.key) as socket:
        subscribe(socket, ["task_status"])
        beat = next_of(socket, "heartbeat", timeout=5)
    assert isinstance(beat["data"]["position"], int)


def test_a_revoked_key_closes_the_socket_with_4401(
    kyros: Kyros, client: httpx.Client, base_url: str
) -> None:
    key = make_api_key(kyros, "viewer")
    with open_socket(base_url, key.key) as socket:
        subscribe(socket, ["task_status"])
        assert client.delete(f"/v1/api-keys/{key.id}").status_code == 200
        code, reason = close_code(socket)
    assert code == 4401
    assert "revoked" in reason.lower()


def test_messages_are_json_objects_with_type_data_timestamp(
    client: httpx.Client, base_url: str, admin: Credential
) -> None:
    with open_socket(base_url, admin.key) as socket:
        subscribe(socket, ["task_status", "task_updated"])
        task = create_task(client, title="shape")
        client.put(f"/v1/tasks/{task['id']}", json={"title": "renamed"})
        created, updated = receive(socket), next_of(socket, "task_updated")
    assert created["type"] == "task_status" and created["data"]["status"] == "pending"
    assert updated["data"]["changes"] == {"title": "renamed"}


def test_a_slow_consumer_is_closed_with_4408_and_resumes_without_loss(
    settings: Settings,
) -> None:
    """A client that stops reading (a tiny TCP window) fills its queue and is closed; it then
    reconnects with `since` and receives everything it missed."""
    tuned = msgspec.structs.replace(settings, ws_queue_size=5)
    with Kyros(tuned) as kyros, LiveServer(kyros) as url:
        key = make_api_key(kyros, "admin").key
        raw = socket_module.socket()
        raw.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
        with connect(ws_url(url), sock=raw, max_queue=1, compression=None, close_timeout=1) as slow:
            slow.send(json.dumps({"type": "auth", "token": key}))
            start = next_of(slow, "authenticated")["data"]["position"]
            subscribe(slow, ["task_status"])
            for _ in range(3):
                kyros.app.save_all(*[new_task(title="x" * 200) for _ in range(1_000)])
            eventually(lambda: slow.close_code, timeout=30)
            assert (slow.close_code, slow.close_reason.split(":")[0]) == (4408, "Slow consumer")
        # The hub may still be reading the burst (it shares the CPU with every projection).
        eventually(lambda: kyros.hub.position >= kyros.app.head(), timeout=30)
        with open_socket(url, key, close_timeout=1) as again:
            ack = subscribe(again, ["task_status"], since=start)
    assert ack["data"]["replayed"] == 3_000
