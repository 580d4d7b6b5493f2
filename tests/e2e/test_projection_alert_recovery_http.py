"""The critical alert raised for a stuck read model resolves itself once the read model gets
past the event (a fix and its retry, or a rebuild): operators are not left with a stale one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.conftest import LiveServer
from tests.e2e.test_cli import run_cli
from tests.http_client import http_client
from tests.integration.helpers import table

pytestmark = pytest.mark.both_stores  # the projection engine, with a dialect branch

POISON = "poisoned title"


def _poison(kyros: Kyros) -> None:
    """A real constraint of the tasks read model that one title breaks; `_cure` drops it."""
    with kyros.db.transaction() as tx:
        if kyros.db.dialect == "postgres":
            tx.execute(f"ALTER TABLE rm_tasks ADD CONSTRAINT poison CHECK (title <> '{POISON}')")
        else:
            tx.execute(
                f"CREATE TRIGGER poison BEFORE INSERT ON rm_tasks WHEN NEW.title = '{POISON}'"
                " BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
            )


def _cure(kyros: Kyros) -> None:
    with kyros.db.transaction() as tx:
        if kyros.db.dialect == "postgres":
            tx.execute("ALTER TABLE rm_tasks DROP CONSTRAINT poison")
        else:
            tx.execute("DROP TRIGGER poison")


def _until(condition: Any, timeout: float = 45) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)
    return result


def _alerts(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get("/v1/monitoring/alerts", params={"type": "projection_failed"})
    assert response.status_code == 200, response.text
    alerts: list[dict[str, Any]] = response.json()["data"]["alerts"]
    return alerts


def test_a_stuck_read_models_alert_resolves_itself_once_a_fix_lets_it_past(
    kyros: Kyros, client: httpx.Client
) -> None:
    _poison(kyros)
    client.post("/v1/tasks", json={"title": POISON})  # in the log; its read-back fails
    raised = _until(lambda: [a for a in _alerts(client) if a["status"] == "active"])
    assert raised[0]["details"]["projection"] == "tasks"
    position = raised[0]["details"]["position"]

    _cure(kyros)  # the worker's next retry applies the event
    resolved = _until(lambda: [a for a in _alerts(client) if a["status"] == "resolved"])
    assert len(resolved) == 1 and len(_alerts(client)) == 1
    assert resolved[0]["resolved_by"] == "system"
    assert f"past event {position}" in resolved[0]["resolution_note"]
    titles = [t["title"] for t in client.get("/v1/tasks").json()["data"]["tasks"]]
    assert titles == [POISON]
    health = client.get("/v1/monitoring/health").json()["data"]
    assert health["projections"]["tasks"]["status"] == "ok"


def test_a_rebuild_past_the_event_resolves_its_alert(tmp_path: Path) -> None:
    """The server was stopped while stuck: `kyros projections rebuild` got the read model past."""
    settings = Settings(data_dir=tmp_path, projection_poll_seconds=0.1)
    with Kyros(settings) as kyros, LiveServer(kyros) as url:
        _poison(kyros)
        key = make_api_key(kyros, "admin").key
        with http_client(base_url=url, timeout=60, headers={"X-API-Key": key}) as client:
            client.post("/v1/tasks", json={"title": POISON})
            _until(lambda: [a for a in _alerts(client) if a["status"] == "active"])
    with Kyros(settings) as kyros:
        _cure(kyros)
    rebuilt = run_cli(tmp_path, "projections", "rebuild", "tasks")
    assert rebuilt.returncode == 0, rebuilt.stderr
    with Kyros(settings) as kyros:
        kyros.engine.catch_up("alerts", 500)
        (alert,) = table(kyros.db, "rm_alerts", "id")
    assert alert["status"] == "resolved" and alert["resolved_by"] == "system"
