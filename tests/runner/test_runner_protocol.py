"""The agent runner against a protocol double of Kyros's worker endpoints."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from kyros.domain.model_catalog import ModelSpec, Usage
from kyros.runner import AgentRunner, RunnerConfig, RunnerError
from kyros.runner.client import WorkerClient
from kyros.runner.prompts import SYSTEM_PROMPTS
from kyros.runner.providers import Completion, CompletionRequest, Provider, ProviderError
from tests.runner.protocol_double import AGENT_KEY, WorkerProtocolDouble

pytestmark = pytest.mark.anyio

TASK = {
    "id": "task_0001",
    "title": "Implement user authentication",
    "description": "Add JWT-based authentication",
    "type": "implementation",
    "priority": "high",
    "files_to_modify": ["services/orchestrator/auth.py"],
    "acceptance_criteria": ["JWT tokens are properly validated"],
}
USAGE = Usage(input_tokens=1500, output_tokens=321, cached_input_tokens=1000)


class ScriptedProvider:
    """Answers every request with `answer(request)`; records the requests it got."""

    name = "scripted"

    def __init__(self, answer: Callable[[CompletionRequest], Completion] | None = None) -> None:
        self.requests: list[CompletionRequest] = []
        self._answer = answer or (lambda request: completion())

    def complete(self, request: CompletionRequest) -> Completion:
        self.requests.append(request)
        return self._answer(request)


def completion(text: str = "Here is the diff.") -> Completion:
    return Completion(
        text=text, usage=USAGE, response_seconds=2.5, model="glm-4.5", provider="scripted"
    )


@pytest.fixture
def double() -> Iterator[WorkerProtocolDouble]:
    with WorkerProtocolDouble() as instance:
        yield instance


@asynccontextmanager
async def running(
    double: WorkerProtocolDouble,
    provider: Provider | None = None,
    *,
    key: str = AGENT_KEY,
    **config: Any,
) -> AsyncIterator[AgentRunner]:
    """A runner in the background for the block, stopped gracefully at its end."""
    client = WorkerClient(double.url, key)
    options = {"role": "implementer", "claim_wait": 1.0, "name": "test-runner", **config}
    chosen = provider or ScriptedProvider()
    runner = AgentRunner(client, RunnerConfig(**options), providers=lambda model: chosen)
    async with anyio.create_task_group() as group:
        group.start_soon(runner.run)
        try:
            yield runner
        finally:
            runner.stop()
    await client.aclose()


async def wait_for(double: WorkerProtocolDouble, kind: str, count: int = 1) -> list[Any]:
    return await anyio.to_thread.run_sync(double.wait_for, kind, count)


async def test_the_runner_registers_claims_reports_progress_and_completes_with_exact_usage(
    double,
):
    provider = ScriptedProvider()
    double.offer(TASK)

    async with running(double, provider, concurrency=2):
        (done,) = await wait_for(double, "complete")

    (register,) = double.of_kind("register")
    assert register.headers["authorization"] == f"Bearer {AGENT_KEY}"
    assert register.body == {"role": "implementer", "capacity": 2, "name": "test-runner"}
    assert [call.body for call in double.of_kind("progress")] == [
        {"completed_steps": 1, "total_steps": 3, "current_step": "prompt built"},
        {"completed_steps": 2, "total_steps": 3, "current_step": "model called"},
        {"completed_steps": 3, "total_steps": 3, "current_step": "done"},
    ]
    assert done.path == "/v1/submissions/sub_0001/complete"
    assert done.body == {
        "results": {"summary": "Here is the diff.", "simulated": False, "provider": "scripted"},
        "usage": {
            "model": "glm-4.5",
            "input_tokens": 1500,
            "output_tokens": 321,
            "cached_tokens": 1000,
            "response_seconds": 2.5,
        },
        "feedback": None,
    }


async def test_the_model_gets_the_role_prompt_the_task_and_the_role_preferences(double):
    provider = ScriptedProvider()
    double.offer(TASK, role="critic", model="claude-4.1-opus")

    async with running(double, provider, role="critic", stream=False):
        await wait_for(double, "complete")

    (request,) = provider.requests
    assert request.system == SYSTEM_PROMPTS["critic"]
    assert "# Task: Implement user authentication" in request.prompt
    assert "- services/orchestrator/auth.py" in request.prompt
    assert "1. JWT tokens are properly validated" in request.prompt
    assert (request.model, request.max_tokens, request.temperature) == (
        "claude-4.1-opus",
        3000,
        0.2,
    )
    assert (request.timeout, request.stream) == (300.0, False)


async def test_the_submitters_context_and_sensible_preferences_reach_the_model(double):
    provider = ScriptedProvider()
    preferences = {"temperature": 0.9, "max_tokens": 500, "timeout": "soon", "model": "x"}
    context = {"repository_state": "main at abc123", "recent_changes": ["feat: user model"]}
    double.offer(TASK, preferences=preferences, context=context)

    async with running(double, provider):
        await wait_for(double, "complete")

    (request,) = provider.requests
    assert (request.temperature, request.max_tokens, request.timeout) == (0.9, 500, 300.0)
    assert request.model == "glm-4.5"  # the submission's model; Kyros routed it
    assert "## Context\nrepository_state: main at abc123\nrecent_changes:\n- feat: user model" in (
        request.prompt
    )


async def test_a_long_answer_is_truncated_in_the_results(double):
    provider = ScriptedProvider(lambda request: completion("x" * 10_000))
    double.offer(TASK)

    async with running(double, provider, summary_chars=100):
        (done,) = await wait_for(double, "complete")

    assert done.body["results"]["summary"] == "x" * 99 + "…"


@pytest.mark.parametrize("retryable", [True, False])
async def test_a_provider_error_fails_the_submission_with_its_retryability(double, retryable):
    def refuse(request: CompletionRequest) -> Completion:
        raise ProviderError("glm answered HTTP 503", retryable=retryable, status=503)

    double.offer(TASK)

    async with running(double, ScriptedProvider(refuse)):
        (failed,) = await wait_for(double, "fail")

    assert failed.path == "/v1/submissions/sub_0001/fail"
    assert failed.body == {"error": "glm answered HTTP 503", "retryable": retryable}
    assert double.of_kind("complete") == []


async def test_a_model_missing_from_the_catalog_fails_the_submission_retryably(double):
    double.offer(TASK, model="gpt-17")

    async with running(double):
        (failed,) = await wait_for(double, "fail")

    assert failed.body == {
        "error": "model gpt-17 is not in this runner's catalog",
        "retryable": True,
    }


async def test_a_runner_bug_still_fails_the_submission_instead_of_dropping_it(double):
    def crash(request: CompletionRequest) -> Completion:
        raise KeyError("oops")

    double.offer(TASK)

    async with running(double, ScriptedProvider(crash)):
        (failed,) = await wait_for(double, "fail")

    assert failed.body == {"error": "agent runner error: KeyError: 'oops'", "retryable": True}


async def test_n_claim_loops_run_n_model_calls_at_once_and_never_hold_more(double):
    all_in = threading.Barrier(3, timeout=10)

    def together(request: CompletionRequest) -> Completion:
        all_in.wait()  # passes only when three calls are in flight at the same time
        return completion()

    for _ in range(6):
        double.offer(TASK)

    async with running(double, ScriptedProvider(together), concurrency=3):
        await wait_for(double, "complete", 6)

    assert double.capacity == 3
    assert double.max_held == 3
    assert len({call.path for call in double.of_kind("complete")}) == 6


async def test_stopping_lets_in_flight_work_finish_and_report(double):
    started, release = threading.Event(), threading.Event()

    def slow(request: CompletionRequest) -> Completion:
        started.set()
        release.wait(10)
        return completion()

    double.offer(TASK)
    async with running(double, ScriptedProvider(slow)) as runner:
        await anyio.to_thread.run_sync(started.wait, 10)
        runner.stop()
        release.set()

    assert len(double.of_kind("complete")) == 1


async def test_heartbeats_keep_coming_while_a_model_call_is_in_flight(double):
    release = threading.Event()

    def slow(request: CompletionRequest) -> Completion:
        release.wait(10)
        return completion()

    double.offer(TASK)
    async with running(double, ScriptedProvider(slow)):
        await wait_for(double, "progress")
        beats = len(double.of_kind("heartbeat"))
        await wait_for(double, "heartbeat", beats + 3)
        release.set()

    (heartbeat, *_) = double.of_kind("heartbeat")
    assert heartbeat.path == "/v1/agents/agent_01double/heartbeat"


async def test_claim_errors_are_retried_with_backoff_until_work_comes(double):
    double.claim_errors = 2
    double.offer(TASK)

    async with running(double, retry_delay=0.05):
        await wait_for(double, "complete")

    assert len(double.of_kind("claim")) >= 3


async def test_a_report_lost_on_the_way_is_sent_again(double):
    double.drop_reports = 2
    double.offer(TASK)

    async with running(double, retry_delay=0.05):
        (done,) = await wait_for(double, "complete")

    assert done.body["usage"]["output_tokens"] == 321
    assert double.held == {}


async def test_an_instant_empty_answer_does_not_make_the_runner_spin():
    with WorkerProtocolDouble(max_wait=0) as hurried:  # answers "nothing" at once
        async with running(hurried, retry_delay=0.2, claim_wait=20):
            await anyio.sleep(1.0)

    assert 2 <= len(hurried.of_kind("claim")) <= 8


async def test_a_refused_key_stops_the_runner_with_a_clear_error(double):
    client = WorkerClient(double.url, "wrong-key")
    runner = AgentRunner(client, RunnerConfig(role="implementer"), providers=_never)

    with pytest.raises(RunnerError, match="refused to register the agent: HTTP 401 UNAUTHORIZED"):
        await runner.run()
    await client.aclose()


async def test_an_unreachable_kyros_is_a_clear_error():
    client = WorkerClient("http://127.0.0.1:9", AGENT_KEY)
    runner = AgentRunner(client, RunnerConfig(role="implementer"), providers=_never)

    with pytest.raises(RunnerError, match=r"cannot reach Kyros at http://127.0.0.1:9"):
        await runner.run()
    await client.aclose()


def _never(model: ModelSpec) -> Provider:
    raise AssertionError("no provider is needed")
