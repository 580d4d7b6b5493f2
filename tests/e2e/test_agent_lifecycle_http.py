"""Work that outlives its agent, fails, or waits: lease expiry, retries and dependencies."""

from __future__ import annotations

import time

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, submit
from tests.e2e.helpers import assert_error, get_task

PLAIN = {"title": "Fix a typo in the README", "files_to_modify": ["README.md"]}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A one-second lease, so an agent that stops heartbeating loses its work quickly."""
    return msgspec.structs.replace(settings, agent_lease_seconds=1.0, agent_max_retries=1)


def _until(condition: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_work_of_an_agent_that_stops_heartbeating_goes_back_to_the_queue(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    submission = submit(client, task["id"])["submission_id"]
    with agent_client(kyros, base_url, "a") as silent, agent_client(kyros, base_url, "b") as alive:
        quiet = register_agent(silent)
        registered = data(
            silent.post("/v1/agents/register", json={"role": "critic", "name": "x"}), 201
        )
        assert (registered["lease_seconds"], registered["heartbeat_interval_seconds"]) == (1, 0.33)
        assert claim(silent, quiet, wait=5)["submission_id"] == submission

        _until(lambda: get_task(client, task["id"])["status"] == "queued")
        assert get_task(client, task["id"])["assigned_to"] is None
        assert data(silent.post(f"/v1/agents/{quiet}/heartbeat"))["leases"] == []
        assert_error(complete(silent, submission), 403, "FORBIDDEN")

        successor = register_agent(alive)
        again = claim(alive, successor, wait=5)
        assert again["submission_id"] == submission
        for _ in range(4):  # heartbeats keep the lease well past its one second
            time.sleep(0.4)
            assert data(alive.post(f"/v1/agents/{successor}/heartbeat"))["leases"] == [submission]
        assert data(complete(alive, submission))["status"] == "completed"


def test_a_retryable_failure_retries_once_on_the_fallback_model(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    configured = client.put(
        "/v1/configuration", json={"models": {"fallback_model": "claude-4.1-opus"}}
    )
    assert configured.status_code == 200, configured.text
    task = create_task(client, **PLAIN)
    submit(client, task["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        first = claim(agent, agent_id, wait=5)
        assert first["model"] == "glm-4.5"
        body = {"error": "provider timed out", "retryable": True}
        retried = data(agent.post(f"/v1/submissions/{first['submission_id']}/fail", json=body))
        assert (retried["status"], retried["submission"]["model"]) == ("queued", "claude-4.1-opus")
        assert retried["error"] == "provider timed out"

        second = claim(agent, agent_id, wait=5)
        assert (second["submission_id"], second["model"]) == (
            first["submission_id"],
            "claude-4.1-opus",
        )
        final = data(agent.post(f"/v1/submissions/{second['submission_id']}/fail", json=body))
        assert final["status"] == "failed"  # KYROS_AGENT_MAX_RETRIES=1: no third attempt
        assert claim(agent, agent_id) is None
    performance = data(client.get("/v1/models/glm-4.5"))["performance"]
    assert (performance["tasks_failed"], performance["success_rate"]) == (1, 0.0)


def test_a_failure_that_is_not_retryable_fails_the_task(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    submit(client, task["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        held = claim(agent, agent_id, wait=5)
        body = {"error": "the repository is gone", "retryable": False}
        assert (
            data(agent.post(f"/v1/submissions/{held['submission_id']}/fail", json=body))["status"]
            == "failed"
        )
        assert claim(agent, agent_id) is None
    resubmitted = submit(client, task["id"])  # a failed task may be submitted again
    assert resubmitted["status"] == "accepted"
    assert resubmitted["submission_id"] != held["submission_id"]


def test_a_task_waits_for_its_dependencies_and_becomes_claimable_when_they_complete(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    first = create_task(client, **PLAIN)
    second = create_task(client, title="Fix another typo", dependencies=[first["id"]])
    assert submit(client, second["id"])["status"] == "waiting"
    assert get_task(client, second["id"])["status"] == "waiting"
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        assert claim(agent, agent_id) is None
        submit(client, first["id"])
        held = claim(agent, agent_id, wait=5)
        assert held["task_id"] == first["id"]
        time.sleep(0.5)
        assert get_task(client, second["id"])["status"] == "waiting"  # not before completion
        data(complete(agent, held["submission_id"]))
        nxt = claim(agent, agent_id, wait=15)
        assert nxt is not None and nxt["task_id"] == second["id"]
