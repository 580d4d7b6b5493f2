"""Keeps background workers alive: restart with capped exponential backoff, report state."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio

from kyros.timefmt import iso, now

log = logging.getLogger(__name__)


@dataclass
class WorkerState:
    """What health and status endpoints show about one worker."""

    name: str
    running: bool = False
    leader: bool = False
    restarts: int = 0
    last_error: str | None = None
    last_error_at: str | None = None
    started_at: str | None = field(default=None)


async def supervise(
    state: WorkerState,
    work: Callable[[], Awaitable[None]],
    *,
    first_delay: float = 0.5,
    max_delay: float = 30.0,
) -> None:
    """Runs `work` forever; a crash is logged, counted and retried, never silently lost."""
    delay = first_delay
    while True:
        state.running = True
        state.started_at = iso(now())
        try:
            await work()
            delay = first_delay
        except anyio.get_cancelled_exc_class():
            state.running = False
            raise
        except Exception as exc:
            state.restarts += 1
            state.last_error = f"{type(exc).__name__}: {exc}"[:500]
            state.last_error_at = iso(now())
            log.exception("worker %s crashed; restarting in %.1fs", state.name, delay)
        state.running = False
        state.leader = False
        await anyio.sleep(delay)
        delay = min(delay * 2, max_delay)
