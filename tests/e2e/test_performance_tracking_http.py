"""monitoring.performance_tracking over a real socket: off stops the model figures, not costs."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, submit
from tests.e2e.helpers import get_task

pytestmark = pytest.mark.both_stores  # the figures are read-model SQL run on both


def set_tracking(client: httpx.Client, on: bool) -> None:
    body = {"monitoring": {"performance_tracking": on}}
    assert (
        data(client.put("/v1/configuration", json=body))["monitoring"]["performance_tracking"] is on
    )


def finish_one(kyros: Kyros, base_url: str, client: httpx.Client, seconds: float) -> str:
    """Submits, claims and completes one plain task (routed to glm-4.5); returns its id."""
    task = create_task(client, title="Fix a typo", files_to_modify=["README.md"])
    submit(client, task["id"])
    with agent_client(kyros, base_url, name=f"agent-{time.monotonic_ns()}") as agent:
        agent_id = register_agent(agent)
        submission = claim(agent, agent_id, wait=5)
        data(complete(agent, submission["submission_id"], response_seconds=seconds))
    return str(task["id"])


def until(read: Callable[[], Any], condition: Callable[[Any], bool], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while not condition(value := read()):
        assert time.monotonic() < deadline, value
        time.sleep(0.05)
    return value


def performance(client: httpx.Client) -> dict[str, Any]:
    return data(client.get("/v1/models/glm-4.5"))["performance"]  # type: ignore[no-any-return]


def health_figures(client: httpx.Client) -> dict[str, Any]:
    return data(client.get("/v1/monitoring/health"))["models"]["glm-4.5"]  # type: ignore[no-any-return]


def test_with_tracking_off_finished_work_adds_no_model_figures_but_is_still_costed(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    set_tracking(client, False)
    task_id = finish_one(kyros, base_url, client, seconds=4.0)
    assert Decimal(str(get_task(client, task_id)["metadata"]["cost"])) > 0
    costs = until(
        lambda: data(client.get("/v1/monitoring/costs", params={"period": "1d"})),
        lambda c: Decimal(str(c["total_cost"])) > 0,
    )
    cost = Decimal(str(get_task(client, task_id)["metadata"]["cost"]))
    assert Decimal(str(costs["total_cost"])) == cost  # exact: never rounded to cents
    assert performance(client) == {
        "average_response_time": None,
        "success_rate": None,
        "quality_score": None,
        "tasks_completed": 0,
        "tasks_failed": 0,
        "performance_tracking": False,
    }
    figures = health_figures(client)
    assert (figures["recent_attempts"], figures["response_time"]) == (0, None)
    assert figures["performance_tracking"] is False


def test_turning_tracking_back_on_records_figures_from_then_on_and_a_rebuild_agrees(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    set_tracking(client, False)
    finish_one(kyros, base_url, client, seconds=9.0)
    set_tracking(client, True)
    finish_one(kyros, base_url, client, seconds=2.0)
    expected = {
        "average_response_time": 2.0,
        "success_rate": 100.0,
        "quality_score": None,
        "tasks_completed": 1,
        "tasks_failed": 0,
        "performance_tracking": True,
    }
    assert until(lambda: performance(client), lambda p: p["tasks_completed"] == 1) == expected
    figures = health_figures(client)
    assert (figures["recent_attempts"], figures["response_time"]) == (1, 2.0)

    kyros.engine.reset("model_performance")
    kyros.engine.catch_up("model_performance", 500)
    assert performance(client) == expected
