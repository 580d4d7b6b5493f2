"""Wake-ups for log followers: from saving threads, and across processes via LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import logging

import anyio
import psycopg

log = logging.getLogger(__name__)


class Pulse:
    """Notify-all that may be fired from any thread; waiters wake on the next fire or timeout."""

    def __init__(self) -> None:
        self._event = anyio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self) -> None:
        self._loop = asyncio.get_running_loop()

    def fire(self) -> None:
        event, self._event = self._event, anyio.Event()
        event.set()

    def fire_threadsafe(self, *_: object) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.fire()
        else:
            loop.call_soon_threadsafe(self.fire)

    def ticket(self) -> anyio.Event:
        """Take before checking a condition, wait after: a fire in between is not missed."""
        return self._event

    @staticmethod
    async def wait(ticket: anyio.Event, timeout: float) -> None:
        with anyio.move_on_after(timeout):
            await ticket.wait()


async def listen_for_appends(url: str, channel: str, pulse: Pulse) -> None:
    """Fires the pulse whenever any process on this PostgreSQL appends to the log.

    NOTIFY carries no payload here: followers read positions from the log itself.
    """
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(f'LISTEN "{channel}"')
        log.info("listening for appends on %s", channel)
        async for _ in conn.notifies():
            pulse.fire()
