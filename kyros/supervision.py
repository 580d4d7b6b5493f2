"""Keeps background workers alive: restart with capped exponential backoff, report state."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio

from kyros.connections.unavailable import is_unavailable
from kyros.timefmt import iso, now

log = logging.getLogger(__name__)


@dataclass
class WorkerState:
    """What health and status endpoints show about one worker."""

    name: str
    running: bool = False
    leader: bool = False
    stopped: bool = False  # cancelled (shutdown, or stopped on purpose): it will not restart
    restarts: int = 0
    last_error: str | None = None
    last_error_at: str | None = None
    started_at: str | None = field(default=None)
    running_since: float | None = None  # monotonic time of the current run's start

    @property
    def status(self) -> str:
        """running | restarting (crashed, waiting out its backoff) | stopped | not_started."""
        if self.running:
            return "running"
        if self.stopped:
            return "stopped"
        return "restarting" if self.started_at else "not_started"

    @property
    def uptime_seconds(self) -> float | None:
        """How long the current run has lasted; None while it is not running."""
        if not self.running or self.running_since is None:
            return None
        return round(time.monotonic() - self.running_since, 3)


async def supervise(
    state: WorkerState,
    work: Callable[[], Awaitable[None]],
    *,
    first_delay: float = 0.5,
    max_delay: float = 30.0,
) -> None:
    """Runs `work` forever; a crash is logged, counted and retried, never silently lost."""
    delay = first_delay
    state.stopped = False
    try:
        while True:
            state.running = True
            state.started_at = iso(now())
            state.running_since = time.monotonic()
            try:
                await work()
                delay = first_delay
            except Exception as exc:
                state.restarts += 1
                state.last_error = f"{type(exc).__name__}: {exc}"[:500]
                state.last_error_at = iso(now())
                if is_unavailable(exc):  # an outage, not a bug: one line, not a traceback
                    log.warning(
                        "worker %s: store unavailable (%s); retrying in %.1fs",
                        state.name,
                        state.last_error,
                        delay,
                    )
                else:
                    log.exception("worker %s crashed; restarting in %.1fs", state.name, delay)
            state.running = False
            state.leader = False
            await anyio.sleep(delay)
            delay = min(delay * 2, max_delay)
    finally:  # only cancellation ends the loop
        state.running = False
        state.leader = False
        state.stopped = True
