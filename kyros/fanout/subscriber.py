"""One WebSocket's subscription and its bounded send queue."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

import anyio


@dataclass(frozen=True, slots=True)
class Frame:
    """A published event, encoded once and shared by every socket that receives it."""

    position: int
    type: str
    permission: str
    task_id: str | None
    text: str


class Subscriber:
    """Live frames wait in a queue of at most `limit` items; one more and the subscriber has
    `overflowed` (a slow consumer): the socket is closed and the client resumes from its last
    position. A resume backlog enters the queue as a single item, so it never overflows it."""

    def __init__(self, permissions: frozenset[str], limit: int) -> None:
        self.permissions = permissions
        self.limit = limit
        self.types: frozenset[str] = frozenset()
        self.task_ids: frozenset[str] | None = None
        self.seen = 0  # every frame up to here was offered (sent, queued or not wanted)
        self.overflowed = False
        self.overflow = anyio.Event()  # set once, when the queue overflows
        self._queue: deque[str | list[str]] = deque()
        # One clearable event per socket, reused for its whole life: a publish to 1,000 sockets
        # sets 1,000 flags instead of allocating 1,000 fresh events (a `Pulse` per socket did).
        self._ready = asyncio.Event()

    def wants(self, frame: Frame) -> bool:
        return (
            frame.type in self.types
            and frame.permission in self.permissions
            and (self.task_ids is None or frame.task_id in self.task_ids)
        )

    def offer(self, frame: Frame) -> None:
        if frame.position <= self.seen:
            return
        self.seen = frame.position
        if self.wants(frame):
            self.push(frame.text)

    def push(self, item: str | list[str]) -> None:
        if self.overflowed:
            return
        if len(self._queue) >= self.limit:
            self.overflowed = True
            self.overflow.set()
        else:
            self._queue.append(item)
        self._ready.set()

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def next(self, timeout: float) -> str | list[str] | None:
        """The next item to send, or None after `timeout` idle seconds (or on overflow)."""
        if not self._queue and not self.overflowed:
            self._ready.clear()  # nothing waits: only a push from here on wakes us
            with anyio.move_on_after(timeout):
                await self._ready.wait()
        if self.overflowed or not self._queue:
            return None
        return self._queue.popleft()
