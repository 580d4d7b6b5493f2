"""A committed write is never an error: when its read model does not include it in time, the
answer is 202 Accepted naming what was created, with its log position."""

from __future__ import annotations

import logging

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.e2e.read_model_helpers import stop_read_model

POSITION = "X-Kyros-Position"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Read-your-writes gives up quickly, so a halted read model shows within the request."""
    return msgspec.structs.replace(settings, read_your_writes_seconds=0.3)


def test_a_create_whose_read_model_is_halted_answers_202_with_its_position(
    kyros: Kyros, client: httpx.Client
) -> None:
    """A budget's create reads it back from its read model (a task's does not: below)."""
    stop_read_model(kyros, "budgets")
    budget = {"name": "halted", "period": "daily", "limit": "5.00", "enforcement": "soft"}

    created = client.post("/v1/budgets", json=budget)

    assert created.status_code == 202, created.text
    body = created.json()
    assert body["success"] is True
    assert body["data"]["committed"] is True
    position = int(created.headers[POSITION])
    assert body["data"]["position"] == position == kyros.app.head()
    kyros.engine.catch_up("budgets", 100)  # the read model catches up: the budget is there
    names = [b["name"] for b in client.get("/v1/budgets").json()["data"]["budgets"]]
    assert names == ["halted"]


def test_a_task_created_while_its_read_model_is_halted_is_answered_from_the_command(
    kyros: Kyros, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """The answer does not wait for the tasks read model; a read without a token waits for
    it, bounded, once, then answers what the read model holds; caught up, the read answers
    the very task the create did."""
    stop_read_model(kyros, "tasks")

    created = client.post("/v1/tasks", json={"title": "Saved while tasks is halted"})

    assert created.status_code == 201, created.text
    assert int(created.headers[POSITION]) == kyros.app.head()
    task = created.json()["data"]
    assert task["title"] == "Saved while tasks is halted" and task["version"] == 1
    path = f"/v1/tasks/{task['id']}"
    with caplog.at_level(logging.WARNING, logger="kyros.http.consistency"):
        assert client.get(path).status_code == 404  # waited for it in vain, then answered
        assert client.get(path).status_code == 404  # given up on: no second wait
    assert caplog.text.count("still behind") == 1
    kyros.engine.catch_up("tasks", 100)
    read = client.get(path)
    assert read.status_code == 200, read.text
    assert read.json()["data"] == task


def test_a_missing_task_is_still_404_when_nothing_was_written(
    kyros: Kyros, client: httpx.Client
) -> None:
    stop_read_model(kyros, "tasks")

    missing = client.get("/v1/tasks/task_01ARZ3NDEKTSV4RRFFQ69G5FAV")

    assert missing.status_code == 404
    assert POSITION not in missing.headers
