"""Agent workers in a few lines: register, claim, report progress, complete or fail.

    def implement(work: Work) -> Completed:
        work.progress(1, 2, "editing")
        return Completed(results={"files_modified": 1}, usage=Usage(work.model, 1200, 300))

    run_worker(Kyros(api_key=AGENT_KEY), "implementer", implement)

Heartbeats run on their own thread at the interval the server gives, so a long handler keeps
its lease. A handler that raises fails the submission (retryable unless it raised
`PermanentFailure`) and the worker goes on with the next one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kyros_client.client import Kyros
from kyros_client.errors import KyrosError


@dataclass(frozen=True)
class Usage:
    """What the model call consumed (the server prices it)."""

    model: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int = 0
    response_seconds: Decimal | float | None = None


@dataclass(frozen=True)
class Completed:
    results: dict[str, Any]
    usage: Usage
    feedback: str | None = None


class PermanentFailure(Exception):
    """Raise from a handler when retrying the task elsewhere cannot help."""


@dataclass
class Work:
    """One claimed submission: the task, the model to use, and a way to report progress."""

    client: Kyros
    submission_id: str
    task: Any
    model: str
    context: dict[str, Any] = field(default_factory=dict)

    def progress(
        self, completed_steps: int, total_steps: int, current_step: str | None = None
    ) -> None:
        self.client.workers.report_submission_progress(
            self.submission_id,
            completed_steps=completed_steps,
            total_steps=total_steps,
            **({"current_step": current_step} if current_step else {}),
        )


def run_worker(
    client: Kyros,
    role: str,
    handle: Callable[[Work], Completed],
    *,
    name: str = "kyros-client-worker",
    wait: int = 20,
    max_tasks: int | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Works on `role`'s queue until `stop` is set or `max_tasks` were handled; returns the
    number handled. Capacity is one submission at a time (run several workers for more)."""
    stop = stop or threading.Event()
    agent = client.workers.register(role=role, capacity=1, name=name)
    beating = threading.Thread(
        target=_heartbeat,
        daemon=True,
        args=(client, agent.agent_id, float(agent.heartbeat_interval_seconds), stop),
    )
    beating.start()
    handled = 0
    try:
        while not stop.is_set() and (max_tasks is None or handled < max_tasks):
            claimed = client.workers.claim(agent.agent_id, wait=wait).submission
            if claimed is None:
                continue
            work = Work(client, claimed.submission_id, claimed.task, claimed.model, claimed.context)
            _settle(client, work, handle)
            handled += 1
    finally:
        stop.set()
        beating.join(timeout=5)
    return handled


def _settle(client: Kyros, work: Work, handle: Callable[[Work], Completed]) -> None:
    try:
        outcome = handle(work)
    except Exception as exc:
        retryable = not isinstance(exc, PermanentFailure)
        client.workers.fail_submission(
            work.submission_id, error=str(exc)[:2000] or type(exc).__name__, retryable=retryable
        )
        return
    usage = {k: v for k, v in vars(outcome.usage).items() if v is not None}
    client.workers.complete_submission(
        work.submission_id,
        results=outcome.results,
        usage=usage,
        **({"feedback": outcome.feedback} if outcome.feedback else {}),
    )


def _heartbeat(client: Kyros, agent_id: str, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            client.workers.heartbeat(agent_id)
        except KyrosError:
            continue  # the next beat tries again; a lost lease shows as a refused report
