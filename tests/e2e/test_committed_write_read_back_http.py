"""A committed write is never an error: when its read model does not include it in time, the
answer is 202 Accepted naming what was created, with its log position."""

from __future__ import annotations

import time

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings

POSITION = "X-Kyros-Position"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Read-your-writes gives up quickly, so a halted read model shows within the request."""
    return msgspec.structs.replace(settings, read_your_writes_seconds=0.3)


def _stop(kyros: Kyros, name: str) -> None:
    kyros.projections.stop(name)
    (worker,) = [w for w in kyros.projections.workers if w.name == name]
    deadline = time.monotonic() + 10
    while worker.state.status != "stopped":
        assert time.monotonic() < deadline, "the worker did not stop"
        time.sleep(0.02)


def test_a_create_whose_read_model_is_halted_answers_202_with_the_new_id_and_position(
    kyros: Kyros, client: httpx.Client
) -> None:
    _stop(kyros, "tasks")

    created = client.post("/v1/tasks", json={"title": "Saved while tasks is halted"})

    assert created.status_code == 202, created.text
    body = created.json()
    assert body["success"] is True
    assert body["data"]["committed"] is True
    position = int(created.headers[POSITION])
    assert body["data"]["position"] == position == kyros.app.head()
    task_id = body["data"]["id"]
    kyros.engine.catch_up("tasks", 100)  # the read model catches up: the named task is there
    read = client.get(f"/v1/tasks/{task_id}")
    assert read.status_code == 200, read.text
    assert read.json()["data"]["title"] == "Saved while tasks is halted"


def test_a_missing_task_is_still_404_when_nothing_was_written(
    kyros: Kyros, client: httpx.Client
) -> None:
    _stop(kyros, "tasks")

    missing = client.get("/v1/tasks/task_01ARZ3NDEKTSV4RRFFQ69G5FAV")

    assert missing.status_code == 404
    assert POSITION not in missing.headers
