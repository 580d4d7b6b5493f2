"""The agent worker protocol over a real socket: submit, claim, report, and who may do what."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import USAGE, claim, complete, data, expected_cost, submit
from tests.e2e.helpers import assert_error, get_task

PLAIN = {"title": "Fix a typo in the README", "files_to_modify": ["README.md"]}


def test_a_submitted_task_is_claimed_reported_and_completed_with_its_cost_priced_to_the_cent(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    submitted = submit(client, task["id"], context={"repository_state": "main at abc123"})
    assert set(submitted) == {
        "submission_id",
        "task_id",
        "role",
        "agent_id",
        "status",
        "estimated_duration",
        "estimated_cost",
        "model_assigned",
        "submitted_at",
        "escalation",  # null unless routing chose the premium model
    }
    assert submitted["escalation"] is None
    assert submitted["submission_id"].startswith("sub_")
    assert (submitted["task_id"], submitted["role"]) == (task["id"], "implementer")
    assert (submitted["agent_id"], submitted["status"]) == (None, "accepted")
    assert submitted["model_assigned"] == "glm-4.5"
    assert submitted["estimated_duration"] > 0
    assert get_task(client, task["id"])["status"] == "queued"

    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        held = claim(agent, agent_id, wait=5)
        assert held["submission_id"] == submitted["submission_id"]
        assert (held["task_id"], held["role"], held["model"]) == (
            task["id"],
            "implementer",
            "glm-4.5",
        )
        assert datetime.fromisoformat(held["lease_expires_at"]) > datetime.now(UTC)
        assert held["task"]["status"] == "in_progress"
        assert held["task"]["assigned_to"] == agent_id
        assert held["context"] == {"repository_state": "main at abc123"}
        beat = data(agent.post(f"/v1/agents/{agent_id}/heartbeat"))
        assert beat == {"agent_id": agent_id, "leases": [held["submission_id"]]}

        path = f"/v1/submissions/{held['submission_id']}"
        progress = {"completed_steps": 1, "total_steps": 4, "current_step": "Writing tests"}
        reported = data(agent.post(f"{path}/progress", json=progress))
        assert reported["progress"]["percentage"] == 25
        done = data(complete(agent, held["submission_id"], **USAGE))
        assert done["status"] == "completed"
        assert data(agent.post(f"/v1/agents/{agent_id}/heartbeat"))["leases"] == []

    final = get_task(client, task["id"])
    cost = Decimal(str(final["metadata"]["cost"]))
    exact = expected_cost(USAGE, "0.001", "0.002", "0.0001")
    cent = Decimal("0.01")
    assert cost.quantize(cent, ROUND_HALF_UP) == exact.quantize(cent, ROUND_HALF_UP)
    assert cost == exact.quantize(Decimal("0.000001"), ROUND_HALF_UP)
    assert final["metadata"]["model_used"] == "glm-4.5"
    assert final["metadata"]["actual_hours"] >= 0
    assert final["results"] == {"files_modified": 1}


def test_a_premium_routed_submission_awaits_approval_and_is_not_claimable(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(
        client,
        title="Implement OAuth2 login with SAML and JWT session tokens",
        files_to_modify=["auth/oauth2.py"],
    )
    submitted = submit(client, task["id"])
    assert (submitted["status"], submitted["model_assigned"]) == (
        "awaiting_approval",
        "claude-4.1-opus",
    )
    assert get_task(client, task["id"])["status"] == "awaiting_approval"
    with agent_client(kyros, base_url) as agent:
        assert claim(agent, register_agent(agent)) is None


def test_a_report_for_work_the_agent_does_not_hold_is_forbidden(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    submit(client, create_task(client, **PLAIN)["id"])
    with agent_client(kyros, base_url, "a") as owner, agent_client(kyros, base_url, "b") as other:
        agent_id = register_agent(owner)
        held = claim(owner, agent_id, wait=5)
        path = f"/v1/submissions/{held['submission_id']}"
        stranger = register_agent(other)
        body = {"completed_steps": 1, "total_steps": 2}
        assert_error(other.post(f"{path}/progress", json=body), 403, "FORBIDDEN")
        assert_error(complete(other, held["submission_id"]), 403, "FORBIDDEN")
        assert_error(other.post(f"{path}/fail", json={"error": "x"}), 403, "FORBIDDEN")
        assert_error(other.post(f"/v1/agents/{agent_id}/heartbeat"), 403, "FORBIDDEN")
        assert_error(other.post(f"/v1/agents/{agent_id}/claim?wait=0"), 403, "FORBIDDEN")
        assert claim(other, stranger) is None  # the only submission is held by the owner

        assert data(complete(owner, held["submission_id"]))["status"] == "completed"
        assert_error(complete(owner, held["submission_id"]), 403, "FORBIDDEN", "submission_id")


def test_an_agent_may_put_only_the_task_it_holds_and_only_to_report_on_it(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    mine, other = create_task(client, **PLAIN), create_task(client, title="Not yours")
    submit(client, mine["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        assert claim(agent, agent_id, wait=5)["task_id"] == mine["id"]
        assert_error(
            agent.put(f"/v1/tasks/{other['id']}", json={"status": "in_progress"}), 403, "FORBIDDEN"
        )
        assert_error(
            agent.put(f"/v1/tasks/{mine['id']}", json={"title": "Mine now"}),
            403,
            "FORBIDDEN",
            "title",
        )
        assert_error(
            agent.put(f"/v1/tasks/{mine['id']}", json={"status": "cancelled"}), 403, "FORBIDDEN"
        )
        progress = {"progress": {"completed_steps": 2, "total_steps": 4}}
        assert (
            data(agent.put(f"/v1/tasks/{mine['id']}", json=progress))["progress"]["percentage"]
            == 50
        )
        body = {"status": "completed", "results": {"tests_added": 3}}
        assert data(agent.put(f"/v1/tasks/{mine['id']}", json=body))["status"] == "completed"
        assert data(agent.post(f"/v1/agents/{agent_id}/heartbeat"))["leases"] == []
    assert get_task(client, other["id"])["status"] == "pending"


def test_cancelling_a_claimed_task_frees_the_agent_and_refuses_its_reports(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    submit(client, task["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        held = claim(agent, agent_id, wait=5)
        assert client.delete(f"/v1/tasks/{task['id']}").status_code == 200
        assert data(agent.post(f"/v1/agents/{agent_id}/heartbeat"))["leases"] == []
        assert_error(complete(agent, held["submission_id"]), 403, "FORBIDDEN")


def test_an_agent_at_capacity_gets_no_submission_and_at_once(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    for _ in range(2):
        submit(client, create_task(client, **PLAIN)["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent, capacity=1)
        assert claim(agent, agent_id, wait=5) is not None
        started = time.monotonic()
        assert claim(agent, agent_id, wait=30) is None
        assert time.monotonic() - started < 10  # not the 30 s long-poll
        second = register_agent(agent, capacity=1)
        assert claim(agent, second, wait=5) is not None


@pytest.mark.both_stores  # the wake-up comes through each store
def test_a_waiting_claim_wakes_when_work_for_its_role_is_submitted(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        result: list[object] = []
        waiter = threading.Thread(target=lambda: result.append(claim(agent, agent_id, wait=30)))
        waiter.start()
        time.sleep(0.5)
        task = create_task(client, **PLAIN)
        submit(client, task["id"])
        waiter.join(timeout=40)
        assert result and isinstance(result[0], dict)
        assert result[0]["task_id"] == task["id"]


def test_a_claim_whose_client_hung_up_claims_nothing(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        with pytest.raises(httpx.ReadTimeout):
            agent.post(f"/v1/agents/{agent_id}/claim", params={"wait": 30}, timeout=1)
        task = create_task(client, **PLAIN)
        submit(client, task["id"])
        time.sleep(1.5)  # a poll still waiting would have claimed it by now
        assert get_task(client, task["id"])["status"] == "queued"
        assert claim(agent, agent_id)["task_id"] == task["id"]


@pytest.mark.both_stores  # queue order is read-model SQL
def test_agents_claim_only_their_roles_work_and_the_most_urgent_first(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    low = create_task(client, priority="low", **PLAIN)
    critical = create_task(client, priority="critical", **PLAIN)
    review = create_task(client, title="Review the README", type="review")
    for task in (low, critical):
        submit(client, task["id"])
    submit(client, review["id"], role="critic")
    with agent_client(kyros, base_url) as agent:
        implementer = register_agent(agent, capacity=5)
        claims = [claim(agent, implementer)["task_id"] for _ in range(2)]
        assert claims == [critical["id"], low["id"]]
        assert claim(agent, implementer) is None
        assert claim(agent, register_agent(agent, role="critic"))["task_id"] == review["id"]


@pytest.mark.both_stores  # counts are read-model SQL
def test_the_role_status_counts_live_agents_queue_active_work_and_what_ran(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    empty = data(client.get("/v1/agents/implementer/status"))
    assert empty == {
        "role": "implementer",
        "available_agents": 0,
        "active_tasks": 0,
        "queue_length": 0,
        "average_response_time": None,
        "success_rate": None,
        "current_models": {},
        "performance": {
            "tasks_completed_today": 0,
            "average_task_duration": None,
            "cost_per_task": None,
        },
    }
    for _ in range(3):
        submit(client, create_task(client, **PLAIN)["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent, capacity=3)
        first, second = claim(agent, agent_id), claim(agent, agent_id)
        data(complete(agent, first["submission_id"], response_seconds=10))
        failed = agent.post(f"/v1/submissions/{second['submission_id']}/fail", json={"error": "x"})
        data(failed)
        status = data(client.get("/v1/agents/implementer/status"))
    assert (status["available_agents"], status["active_tasks"], status["queue_length"]) == (1, 0, 1)
    assert (status["average_response_time"], status["success_rate"]) == (10.0, 50.0)
    assert status["current_models"] == {"glm-4.5": 100.0}
    performance = status["performance"]
    assert performance["tasks_completed_today"] == 1
    assert Decimal(str(performance["cost_per_task"])) == expected_cost(
        USAGE, "0.001", "0.002", "0.0001"
    ).quantize(Decimal("0.000001"), ROUND_HALF_UP)
    assert performance["average_task_duration"] >= 0
