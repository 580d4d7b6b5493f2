"""The runner with real provider adapters: simulated offline, and GLM over the wire protocol."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest

from kyros.runner import AgentRunner, RunnerConfig
from kyros.runner.client import WorkerClient
from kyros.runner.prompts import build_prompt
from kyros.runner.providers import CompletionRequest
from kyros.runner.providers.simulated import Simulated
from tests.providers.fake_openai_server import FakeOpenAIServer
from tests.runner.protocol_double import AGENT_KEY, WorkerProtocolDouble
from tests.runner.test_runner_protocol import TASK

pytestmark = pytest.mark.anyio


@pytest.fixture
def double() -> Iterator[WorkerProtocolDouble]:
    with WorkerProtocolDouble() as instance:
        yield instance


async def run_once(double: WorkerProtocolDouble, environ: dict[str, str]) -> dict:
    client = WorkerClient(double.url, AGENT_KEY)
    runner = AgentRunner(client, RunnerConfig(role="implementer", claim_wait=1), environ=environ)
    async with anyio.create_task_group() as group:
        group.start_soon(runner.run)
        (done,) = await anyio.to_thread.run_sync(double.wait_for, "complete")
        runner.stop()
    await client.aclose()
    return done.body


async def test_without_provider_keys_the_work_is_done_simulated_and_marked_so(double):
    double.offer(TASK)

    body = await run_once(double, environ={})

    prompt = build_prompt("implementer", TASK)
    request = CompletionRequest(
        system=prompt.system, prompt=prompt.user, model="glm-4.5", max_tokens=2000
    )
    expected = Simulated().complete(request)
    assert body["results"]["simulated"] is True
    assert body["results"]["provider"] == "simulated"
    assert body["results"]["summary"] == expected.text
    assert (body["usage"]["input_tokens"], body["usage"]["output_tokens"]) == (
        expected.usage.input_tokens,
        expected.usage.output_tokens,
    )
    assert body["usage"]["cached_tokens"] == 0


async def test_with_a_glm_key_the_runner_streams_from_the_endpoint_and_reports_exact_usage(
    double,
):
    double.offer(TASK)
    with FakeOpenAIServer(api_key="glm-key", text="Diff follows.") as glm:
        environ = {"GLM_API_KEY": "glm-key", "GLM_BASE_URL": f"{glm.url}/v1"}
        body = await run_once(double, environ)
        sent = glm.requests[0]

    assert sent.body["model"] == "glm-4.5"
    assert sent.body["stream_options"] == {"include_usage": True}
    assert body["results"] == {
        "summary": "Diff follows.",
        "simulated": False,
        "provider": "openai-compatible",
    }
    usage = {k: v for k, v in body["usage"].items() if k != "response_seconds"}
    assert usage == {
        "model": "glm-4.5",
        "input_tokens": 1200,
        "output_tokens": 42,
        "cached_tokens": 1024,
    }
    assert body["usage"]["response_seconds"] > 0
