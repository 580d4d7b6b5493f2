"""Two `kyros serve` processes on one PostgreSQL: every socket on either sees every event, and
the cluster sends each webhook message from one dispatcher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.builders.http import create_task, create_webhook
from tests.conftest import _empty_schema
from tests.fanout.processes import JWT_SECRET, Server
from tests.fanout.receiver import Receiver, by_message
from tests.fanout.wsclient import next_of, open_socket, subscribe
from tests.http_client import http_client

pytestmark = pytest.mark.postgres
TASKS = 12


@pytest.fixture
def database(postgres_database: str) -> str:
    _empty_schema(postgres_database)
    return postgres_database


def admin_key(database: str, data_dir: Path) -> str:
    """Made through the command layer before any server starts."""
    settings = Settings(database_url=database, data_dir=data_dir, jwt_secret=JWT_SECRET)
    with Kyros(settings) as kyros:
        return make_api_key(kyros, "admin").key


def test_two_processes_deliver_every_event_to_every_socket_and_every_webhook_once(
    database: str, tmp_path: Path
) -> None:
    key = admin_key(database, tmp_path / "cli")
    env = {"KYROS_DATABASE_URL": database}
    with (
        Receiver() as receiver,
        Server(tmp_path / "a", **env) as a,
        Server(tmp_path / "b", **env) as b,
        open_socket(a.url, key) as on_a,
        open_socket(b.url, key) as on_b,
    ):
        headers = {"Authorization": f"Bearer {key}"}
        clients = [http_client(base_url=s.url, headers=headers, timeout=20) for s in (a, b)]
        for socket in (on_a, on_b):
            subscribe(socket, ["task_status"])
        hook = create_webhook(clients[1], receiver.url, ["task.created"])
        made = {create_task(clients[n % 2], title=f"t{n}")["id"] for n in range(TASKS)}
        seen_a = {next_of(on_a, "task_status")["data"]["task_id"] for _ in range(TASKS)}
        seen_b = {next_of(on_b, "task_status")["data"]["task_id"] for _ in range(TASKS)}
        got = receiver.wait_for(lambda r: len(by_message(r)) == TASKS, timeout=30)
        for client in clients:
            client.close()
    assert seen_a == seen_b == made
    assert {json.loads(r.body)["data"]["task_id"] for r in got} == made
    assert all(r.verifies_with(hook["secret"]) for r in got)
    assert len(got) == TASKS  # one dispatcher in the cluster: no message was sent twice


def test_a_token_in_the_websocket_url_never_reaches_the_server_log(
    database: str, tmp_path: Path
) -> None:
    key = admin_key(database, tmp_path / "cli")
    with Server(tmp_path / "a", KYROS_DATABASE_URL=database) as server:
        with open_socket(server.url, path=f"/ws?token={key}") as socket:
            assert next_of(socket, "authenticated")
        server.stop()
        log = server.stderr.read_text()
    assert "WebSocket /ws?token=***" in log
    assert key not in log
