"""Bad input to submissions and the worker protocol: the right code, the field, no change."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import USAGE, claim, complete, data, submit
from tests.e2e.helpers import UNKNOWN_TASK_ID, assert_error, get_task

PLAIN = {"title": "Fix a typo in the README", "files_to_modify": ["README.md"]}
UNKNOWN_AGENT = "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"


def _submit(
    client: httpx.Client, body: dict[str, Any], role: str = "implementer"
) -> httpx.Response:
    return client.post(f"/v1/agents/{role}/submit", json=body)


def test_an_unknown_task_is_not_found(client: httpx.Client) -> None:
    assert_error(_submit(client, {"task_id": UNKNOWN_TASK_ID}), 404, "TASK_NOT_FOUND", "task_id")
    assert_error(_submit(client, {"task_id": "nonsense"}), 404, "TASK_NOT_FOUND", "task_id")


@pytest.mark.parametrize("finish", ["cancelled", "completed"])
def test_a_finished_task_cannot_be_submitted(client: httpx.Client, finish: str) -> None:
    task = create_task(client, **PLAIN)
    if finish == "cancelled":
        client.delete(f"/v1/tasks/{task['id']}")
    else:
        client.put(f"/v1/tasks/{task['id']}", json={"status": "in_progress"})
        client.put(f"/v1/tasks/{task['id']}", json={"status": "completed"})
    assert_error(_submit(client, {"task_id": task["id"]}), 409, "INVALID_STATE", "status")
    assert get_task(client, task["id"])["status"] == finish


def test_a_task_already_submitted_or_in_progress_cannot_be_submitted_again(
    client: httpx.Client,
) -> None:
    queued, premium, started = (create_task(client, **PLAIN) for _ in range(3))
    first = submit(client, queued["id"])
    assert_error(_submit(client, {"task_id": queued["id"]}), 409, "INVALID_STATE", "status")
    assert get_task(client, queued["id"])["submission"]["submission_id"] == first["submission_id"]
    submit(client, premium["id"], preferences={"model": "claude-4.1-opus"})
    cheaper = {"task_id": premium["id"], "preferences": {"model": "glm-4.5"}}
    assert_error(_submit(client, cheaper), 409, "INVALID_STATE", "status")  # no way around approval
    client.put(f"/v1/tasks/{started['id']}", json={"status": "in_progress"})
    assert_error(_submit(client, {"task_id": started["id"]}), 409, "INVALID_STATE", "status")


def test_a_task_assigned_to_another_role_is_refused(client: httpx.Client) -> None:
    task = create_task(client, assignee_role="critic", **PLAIN)
    assert_error(_submit(client, {"task_id": task["id"]}), 422, "VALIDATION_ERROR", "role")


def test_a_task_waiting_on_a_cancelled_dependency_is_refused(client: httpx.Client) -> None:
    dependency = create_task(client, **PLAIN)
    task = create_task(client, title="After", dependencies=[dependency["id"]])
    client.delete(f"/v1/tasks/{dependency['id']}")
    assert_error(_submit(client, {"task_id": task["id"]}), 409, "INVALID_STATE", "dependencies")


def test_an_unknown_or_unoffered_pinned_model_is_refused(client: httpx.Client) -> None:
    task = create_task(client, **PLAIN)
    unknown = {"task_id": task["id"], "preferences": {"model": "gpt-17"}}
    assert_error(_submit(client, unknown), 404, "NOT_FOUND", "preferences.model")
    data(client.put("/v1/agents/implementer/configuration", json={"available_models": ["glm-4.5"]}))
    unoffered = {"task_id": task["id"], "preferences": {"model": "claude-4.1-opus"}}
    assert_error(_submit(client, unoffered), 422, "VALIDATION_ERROR", "preferences.model")
    assert get_task(client, task["id"])["status"] == "pending"


def test_a_pinned_model_is_honoured_and_premium_still_waits_for_approval(
    client: httpx.Client,
) -> None:
    task = create_task(client, **PLAIN)
    pinned = submit(
        client, task["id"], preferences={"model": "claude-4.1-opus", "temperature": 0.2}
    )
    assert (pinned["model_assigned"], pinned["status"]) == ("claude-4.1-opus", "awaiting_approval")
    assert get_task(client, task["id"])["submission"]["preferences"]["temperature"] == 0.2


def test_without_agents_work_is_queued_unless_the_caller_asks_for_an_immediate_agent(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    queued, immediate = create_task(client, **PLAIN), create_task(client, **PLAIN)
    assert submit(client, queued["id"])["status"] == "accepted"
    refused = _submit(client, {"task_id": immediate["id"], "immediate": True})
    assert_error(refused, 503, "AGENT_UNAVAILABLE", "immediate")
    assert get_task(client, immediate["id"])["status"] == "pending"
    with agent_client(kyros, base_url) as agent:
        register_agent(agent)
        assert submit(client, immediate["id"], immediate=True)["status"] == "accepted"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "task_id"),
        ({"task_id": UNKNOWN_TASK_ID, "surprise": 1}, "surprise"),
        (
            {"task_id": UNKNOWN_TASK_ID, "preferences": {"temperature": 5}},
            "preferences.temperature",
        ),
        ({"task_id": UNKNOWN_TASK_ID, "preferences": {"max_tokens": 0}}, "preferences.max_tokens"),
        ({"task_id": UNKNOWN_TASK_ID, "context": {"x": "a\x00b"}}, "context.x"),
        ({"task_id": UNKNOWN_TASK_ID, "immediate": "yes"}, "immediate"),
    ],
)
def test_a_malformed_submission_is_refused_naming_the_field(
    client: httpx.Client, body: dict[str, Any], field: str
) -> None:
    assert_error(_submit(client, body), 422, "VALIDATION_ERROR", field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "wizard", "name": "w"}, "role"),
        ({"role": "critic", "name": "w", "capacity": 0}, "capacity"),
        ({"role": "critic", "name": "w", "capacity": 65}, "capacity"),
        ({"role": "critic", "name": ""}, "name"),
        ({"role": "critic"}, "name"),
    ],
)
def test_a_malformed_registration_is_refused_naming_the_field(
    kyros: Kyros, base_url: str, body: dict[str, Any], field: str
) -> None:
    with agent_client(kyros, base_url) as agent:
        assert_error(agent.post("/v1/agents/register", json=body), 422, "VALIDATION_ERROR", field)


def test_unknown_agents_and_submissions_are_not_found_and_bad_waits_refused(
    kyros: Kyros, base_url: str
) -> None:
    with agent_client(kyros, base_url) as agent:
        for path in (f"/v1/agents/{UNKNOWN_AGENT}/heartbeat", "/v1/agents/agent_x/claim?wait=0"):
            assert_error(agent.post(path), 404, "NOT_FOUND", "agent_id")
        agent_id = register_agent(agent)
        for wait in (-1, 61):
            response = agent.post(f"/v1/agents/{agent_id}/claim", params={"wait": wait})
            assert_error(response, 422, "VALIDATION_ERROR", "wait")
        assert_error(
            complete(agent, "sub_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "NOT_FOUND", "submission_id"
        )


@pytest.mark.parametrize(
    ("usage", "status", "code", "field"),
    [
        ({"model": "gpt-17"}, 404, "NOT_FOUND", "usage.model"),
        (
            {"cached_tokens": USAGE["input_tokens"] + 1},
            422,
            "VALIDATION_ERROR",
            "usage.cached_tokens",
        ),
        ({"output_tokens": -1}, 422, "VALIDATION_ERROR", "usage.output_tokens"),
        ({"response_seconds": -1}, 422, "VALIDATION_ERROR", "usage.response_seconds"),
    ],
)
def test_a_bad_usage_report_is_refused_and_the_work_stays_held(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    usage: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    task = create_task(client, **PLAIN)
    submit(client, task["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        held = claim(agent, agent_id, wait=5)
        assert_error(complete(agent, held["submission_id"], **usage), status, code, field)
        assert get_task(client, task["id"])["status"] == "in_progress"
        assert data(complete(agent, held["submission_id"]))["status"] == "completed"


def test_progress_outside_its_bounds_is_refused(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    submit(client, create_task(client, **PLAIN)["id"])
    with agent_client(kyros, base_url) as agent:
        held = claim(agent, register_agent(agent), wait=5)
        path = f"/v1/submissions/{held['submission_id']}/progress"
        response = agent.post(path, json={"completed_steps": 3, "total_steps": 2})
        assert_error(response, 422, "VALIDATION_ERROR", "progress.completed_steps")
        assert_error(
            agent.post(path, json={"total_steps": 2}), 422, "VALIDATION_ERROR", "completed_steps"
        )
