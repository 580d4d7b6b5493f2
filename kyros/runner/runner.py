"""The agent runner: registers, heartbeats, and runs N claim loops that call a model per claim."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import msgspec

from kyros.domain.agent_roles import DEFAULT_ROLES, RolePreferences
from kyros.domain.model_catalog import DEFAULT_CATALOG, Catalog, ModelSpec
from kyros.domain.routing_errors import ModelNotFound
from kyros.runner.client import ProtocolError, Registration, Submission, WorkerClient
from kyros.runner.prompts import build_prompt
from kyros.runner.providers import CompletionRequest, Provider, ProviderError, provider_for

log = logging.getLogger(__name__)

STEPS = ("prompt built", "model called", "done")
REPORT_ATTEMPTS = 8  # with doubling delays capped at max_retry_delay: about two minutes
_FAILED, _REFUSED = "failed", "refused"  # claim outcomes besides a submission or None
_FALLBACK_PREFERENCES = RolePreferences(temperature=0.7, max_tokens=2000, timeout=300)


class RunnerError(Exception):
    """The runner cannot go on: Kyros refused its key, or its agent registration is gone."""


@dataclass(frozen=True)
class RunnerConfig:
    """`claim_wait` is the long-poll in seconds; `summary_chars` bounds the text in results."""

    role: str
    concurrency: int = 1
    name: str = field(default_factory=socket.gethostname)
    claim_wait: float = 20.0
    stream: bool = True
    summary_chars: int = 4000
    retry_delay: float = 1.0
    max_retry_delay: float = 30.0


class AgentRunner:
    """Registers one agent with capacity = concurrency; stop() lets in-flight work finish."""

    def __init__(
        self,
        client: WorkerClient,
        config: RunnerConfig,
        *,
        providers: Callable[[ModelSpec], Provider] | None = None,
        catalog: Catalog = DEFAULT_CATALOG,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.catalog = catalog
        self.registration: Registration | None = None
        self._make_provider = providers or (lambda model: provider_for(model, environ))
        self._providers: dict[str, Provider] = {}
        self._stopping = anyio.Event()
        self._waiting: set[anyio.CancelScope] = set()
        self._fatal: RunnerError | None = None
        # Model calls are blocking SDK calls in threads, one per claim loop at most.
        self._threads = anyio.CapacityLimiter(config.concurrency)

    def stop(self) -> None:
        """Stop claiming (a pending long-poll is abandoned); call from the runner's event loop."""
        self._stopping.set()
        for scope in list(self._waiting):
            scope.cancel()

    async def run(self) -> None:
        """Returns after stop() once in-flight work is reported; raises RunnerError if refused."""
        self.registration = await self._register()
        log.info(
            "agent %s registered: role %s, capacity %d",
            self.registration.agent_id,
            self.config.role,
            self.registration.capacity,
        )
        async with anyio.create_task_group() as background:
            background.start_soon(self._heartbeats, self.registration)
            async with anyio.create_task_group() as loops:
                for _ in range(self.config.concurrency):
                    loops.start_soon(self._claim_loop, self.registration.agent_id)
            background.cancel_scope.cancel()
        if self._fatal is not None:
            raise self._fatal

    async def _register(self) -> Registration:
        config = self.config
        try:
            return await self.client.register(config.role, config.concurrency, config.name)
        except ProtocolError as error:
            raise RunnerError(f"Kyros refused to register the agent: {error}") from None
        except httpx.HTTPError as error:
            raise RunnerError(f"cannot reach Kyros at {self.client.base_url}: {error!r}") from None

    async def _heartbeats(self, registration: Registration) -> None:
        """Keeps every held lease alive, long work included; a missed beat is only logged."""
        while True:
            await anyio.sleep(registration.heartbeat_interval_seconds)
            try:
                await self.client.heartbeat(registration.agent_id)
            except (ProtocolError, httpx.HTTPError) as error:
                log.warning("heartbeat of agent %s failed: %r", registration.agent_id, error)

    async def _claim_loop(self, agent_id: str) -> None:
        """Backs off after errors, and pauses when Kyros says "nothing" sooner than the long-poll
        (it does at once when it thinks the agent is at capacity): never a tight loop."""
        first_delay = delay = self.config.retry_delay
        while not self._stopping.is_set():
            started = anyio.current_time()
            outcome = await self._claim(agent_id)
            if isinstance(outcome, Submission):
                delay = first_delay
                await self._perform(outcome)
            elif outcome == _REFUSED:
                return
            elif outcome == _FAILED:
                await self._pause(delay)
                delay = min(delay * 2, self.config.max_retry_delay)
            elif anyio.current_time() - started < min(self.config.claim_wait, 1.0) / 2:
                await self._pause(first_delay)

    async def _claim(self, agent_id: str) -> Submission | str | None:
        with anyio.CancelScope() as scope:
            self._waiting.add(scope)
            try:
                return await self.client.claim(agent_id, self.config.claim_wait)
            except ProtocolError as error:
                if not error.fatal:
                    return _warn("claim", error)
                self._fatal = RunnerError(f"claiming work was refused: {error}")
                self.stop()
                return _REFUSED
            except httpx.HTTPError as error:
                return _warn("claim", error)
            finally:
                self._waiting.discard(scope)
        return None  # stop() cancelled the long-poll

    async def _pause(self, seconds: float) -> None:
        with anyio.move_on_after(seconds):
            await self._stopping.wait()

    async def _perform(self, submission: Submission) -> None:
        """Any failure becomes a `fail` report: a claimed submission is never silently dropped."""
        try:
            await self._work(submission)
        except ProviderError as error:
            log.warning("submission %s failed: %s", submission.submission_id, error)
            await self._report(self.client.fail, submission, str(error)[:2000], error.retryable)
        except ProtocolError as error:  # lease lost, task cancelled: Kyros no longer wants it
            log.warning("submission %s dropped: %s", submission.submission_id, error)
        except Exception as error:
            log.exception("submission %s: the runner failed", submission.submission_id)
            message = f"agent runner error: {type(error).__name__}: {error}"[:500]
            await self._report(self.client.fail, submission, message, True)

    async def _work(self, submission: Submission) -> None:
        sid, total = submission.submission_id, len(STEPS)
        try:
            model = self.catalog.get(submission.model)
        except ModelNotFound:
            raise ProviderError(
                f"model {submission.model} is not in this runner's catalog"
            ) from None
        prompt = build_prompt(submission.role, submission.task, submission.context)
        await self.client.progress(sid, 1, total, STEPS[0])
        preferences = _preferences(submission.role, submission.preferences)
        request = CompletionRequest(
            system=prompt.system,
            prompt=prompt.user,
            model=model.name,
            max_tokens=min(preferences.max_tokens, model.limits.max_tokens),
            temperature=preferences.temperature,
            stream=self.config.stream,
            timeout=float(preferences.timeout),
        )
        provider = self._provider(model)
        completion = await anyio.to_thread.run_sync(
            provider.complete, request, limiter=self._threads, abandon_on_cancel=True
        )
        await self.client.progress(sid, 2, total, STEPS[1])
        results = {
            "summary": _truncate(completion.text, self.config.summary_chars),
            "simulated": completion.simulated,
            "provider": completion.provider,
        }
        usage = {
            "model": model.name,
            "input_tokens": completion.usage.input_tokens,
            "output_tokens": completion.usage.output_tokens,
            "cached_tokens": completion.usage.cached_input_tokens,
            "response_seconds": round(completion.response_seconds, 3),
        }
        await self.client.progress(sid, 3, total, STEPS[2])
        await self._report(self.client.complete, submission, results, usage)
        log.info("submission %s completed on %s", sid, completion.provider)

    def _provider(self, model: ModelSpec) -> Provider:
        if model.name not in self._providers:
            self._providers[model.name] = self._make_provider(model)
        return self._providers[model.name]

    async def _report(self, call: Callable[..., Any], submission: Submission, *args: Any) -> None:
        """Retries a lost connection for about two minutes; a refusal is logged and dropped
        (Kyros has moved on: lease lost, task cancelled)."""
        delay = self.config.retry_delay
        for _ in range(REPORT_ATTEMPTS):
            try:
                await call(submission.submission_id, *args)
                return
            except ProtocolError as error:
                sid = submission.submission_id
                log.warning("submission %s: Kyros refused the report: %s", sid, error)
                return
            except httpx.TransportError as error:
                log.warning("report failed, will retry: %r", error)
                await anyio.sleep(delay)
                delay = min(delay * 2, self.config.max_retry_delay)
        log.error(
            "submission %s: could not report it; Kyros requeues it once this agent's lease"
            " lapses, after the runner stops",
            submission.submission_id,
        )


def _preferences(role: str, given: Mapping[str, Any] | None) -> RolePreferences:
    """The role's defaults, overridden by the submitter's sensible values (others are ignored)."""
    config = DEFAULT_ROLES.get(role)
    base = config.preferences if config is not None else _FALLBACK_PREFERENCES
    given = given or {}
    limits = {"temperature": (0, 2), "max_tokens": (1, 1_000_000), "timeout": (1, 86_400)}
    chosen = {
        name: given[name]
        for name, (low, high) in limits.items()
        if _is_number(given.get(name), integer=name != "temperature") and low <= given[name] <= high
    }
    return msgspec.structs.replace(base, **chosen)


def _is_number(value: Any, *, integer: bool) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if integer else isinstance(value, int | float)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _warn(action: str, error: Exception) -> str:
    log.warning("%s failed, will retry: %r", action, error)
    return _FAILED
