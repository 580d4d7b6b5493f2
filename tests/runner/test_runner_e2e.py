"""The runner against the real Kyros server: submit a task, let a simulated agent do it."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from kyros.domain.model_catalog import GLM_45, Usage, price
from kyros.runner import AgentRunner, RunnerConfig
from kyros.runner.client import WorkerClient
from kyros.runner.prompts import build_prompt
from kyros.runner.providers import Completion, CompletionRequest, ProviderError
from kyros.runner.providers.simulated import Simulated
from tests.builders.commands import make_api_key
from tests.e2e.helpers import SPEC_TASK

pytestmark = pytest.mark.anyio


def worker_protocol_missing(client: httpx.Client) -> str | None:
    paths = list(client.get("/v1/schema/openapi.json").json().get("paths", {}))
    found = {
        "POST /v1/agents/register": "/v1/agents/register" in paths,
        "POST /v1/agents/{id}/claim": any(
            p.startswith("/v1/agents/") and p.endswith("/claim") for p in paths
        ),
    }
    return ", ".join(name for name, present in found.items() if not present) or None


async def run_submitted_task(kyros, base_url, client, **runner_options) -> dict:
    """Creates and submits the spec's task, runs an agent until it finishes; its final view."""
    missing = worker_protocol_missing(client)
    if missing:
        pytest.skip(f"the real server has no worker protocol yet (missing {missing})")
    task = {**SPEC_TASK, "deadline": "2099-01-20T23:59:59Z", "dependencies": []}
    task_id = client.post("/v1/tasks", json=task).json()["data"]["id"]
    submitted = client.post(
        "/v1/agents/implementer/submit",
        json={"task_id": task_id, "preferences": {"model": "glm-4.5"}},
    )
    assert submitted.is_success, submitted.text
    agent = make_api_key(kyros, "agent", name="runner")

    worker = WorkerClient(base_url, agent.key)
    config = RunnerConfig(role="implementer", claim_wait=1)
    runner = AgentRunner(worker, config, environ={}, **runner_options)
    async with anyio.create_task_group() as group:
        group.start_soon(runner.run)
        view = await anyio.to_thread.run_sync(wait_until_finished, client, task_id)
        runner.stop()
    await worker.aclose()
    return view


async def test_a_submitted_task_is_claimed_done_simulated_and_completed(kyros, base_url, client):
    view = await run_submitted_task(kyros, base_url, client)

    assert view["status"] == "completed", view
    assert view["results"]["simulated"] is True
    assert view["results"]["provider"] == "simulated"
    assert view["results"]["summary"].startswith("[simulated:")
    assert view["metadata"]["model_used"] == "glm-4.5"
    assert view["progress"]["completed_steps"] == view["progress"]["total_steps"] == 3
    assert view["metadata"]["cost"] == float(price(simulated_usage(view), GLM_45.pricing))


class RefusingProvider:
    name = "refusing"

    def complete(self, request: CompletionRequest) -> Completion:
        raise ProviderError("glm answered HTTP 400: context too long", retryable=False)


async def test_a_provider_refusal_that_retrying_cannot_fix_fails_the_task(kyros, base_url, client):
    view = await run_submitted_task(
        kyros, base_url, client, providers=lambda model: RefusingProvider()
    )

    assert view["status"] == "failed", view
    assert "context too long" in str(view["error"])


def simulated_usage(view: dict) -> Usage:
    """What the simulated provider counts for the prompt the runner builds from this task."""
    prompt = build_prompt("implementer", view)
    request = CompletionRequest(
        system=prompt.system, prompt=prompt.user, model="glm-4.5", max_tokens=2000
    )
    return Simulated().complete(request).usage


def wait_until_finished(client: httpx.Client, task_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        view = client.get(f"/v1/tasks/{task_id}").json()["data"]
        if view["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return view
        time.sleep(0.1)
