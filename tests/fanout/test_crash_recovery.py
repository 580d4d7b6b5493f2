"""A server killed with SIGKILL mid-delivery loses nothing: after a restart every event arrives,
including events appended while no server ran (between append and delivery)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key, make_task
from tests.builders.http import create_task, create_webhook
from tests.conftest import _empty_schema
from tests.fanout.processes import JWT_SECRET, Server
from tests.fanout.receiver import Receiver, Reply, by_message
from tests.http_client import http_client


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_every_event_is_delivered_through_a_kill_and_a_restart(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    data_dir = tmp_path / "data"
    env: dict[str, str] = {}
    settings = Settings(data_dir=data_dir, jwt_secret=JWT_SECRET)
    if store == "postgres":
        database = request.getfixturevalue("postgres_database")
        _empty_schema(database)
        env["KYROS_DATABASE_URL"] = database
        settings = Settings(data_dir=data_dir, jwt_secret=JWT_SECRET, database_url=database)
    with Kyros(settings) as kyros:
        key = make_api_key(kyros, "admin").key
    headers = {"Authorization": f"Bearer {key}"}
    with Receiver() as receiver:
        receiver.behave = lambda _: Reply(delay=0.3)  # slow: deliveries are in flight at the kill
        first = Server(data_dir, **env)
        with http_client(base_url=first.url, headers=headers, timeout=20) as client:
            hook = create_webhook(client, receiver.url, ["task.created"])
            before = {create_task(client, title=f"before {n}")["id"] for n in range(8)}
        receiver.wait_for(lambda r: len(r) >= 2)
        first.kill()
        with Kyros(settings) as offline:  # appended while no server runs
            between = {make_task(offline.app, title=f"offline {n}") for n in range(4)}
        receiver.behave = lambda _: Reply()
        with Server(data_dir, **env):
            got = receiver.wait_for(lambda r: len(by_message(r)) == 12, timeout=60)
    delivered = {r.payload["data"]["task_id"] for r in got}
    assert delivered == before | between
    assert all(r.verifies_with(hook["secret"]) for r in got)
