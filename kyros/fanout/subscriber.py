"""One WebSocket's subscription and its bounded send queue."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import anyio

from kyros.fanout.inline import Unfinished, run_until_wait


@dataclass(frozen=True, slots=True)
class Frame:
    """A published event, encoded once and shared by every socket that receives it."""

    position: int
    type: str
    permission: str
    task_id: str | None
    text: str


Item = str | list[str] | Unfinished  # a frame, a resume backlog, or a send begun inline
Deliver = Callable[[str], Coroutine[Any, Any, None]]


class Subscriber:
    """Live frames wait in a queue of at most `limit` items; one more and the subscriber has
    `overflowed` (a slow consumer): the socket is closed and the client resumes from its last
    position. A resume backlog enters the queue as a single item, so it never overflows it.

    While the socket's sender is asleep on an empty queue, a pushed item is sent at once by
    whoever pushes it (`deliver`, kyros.fanout.inline): the hub sends a frame to every idle
    socket without waking a task per socket. Only a send that must wait (a full TCP window),
    or an error, wakes the sender, which finishes it (or raises it) in order before anything
    queued after it. Idleness (for heartbeats) is read from `active_at` by the socket's one
    periodic task, so no timer is armed per frame either."""

    def __init__(
        self, permissions: frozenset[str], limit: int, deliver: Deliver | None = None
    ) -> None:
        self.permissions = permissions
        self.limit = limit
        self.deliver = deliver
        self.types: frozenset[str] = frozenset()
        self.task_ids: frozenset[str] | None = None
        self.seen = 0  # every frame up to here was offered (sent, queued or not wanted)
        self.active_at = time.monotonic()  # when something was last sent or taken to send
        self.overflowed = False
        self.overflow = anyio.Event()  # set once, when the queue overflows
        self._queue: deque[Item] = deque()
        self._waiter: asyncio.Future[None] | None = None  # the sender, asleep on an empty queue
        self._failure: Exception | None = None

    def wants(self, frame: Frame) -> bool:
        return (
            frame.type in self.types
            and frame.permission in self.permissions
            and (self.task_ids is None or frame.task_id in self.task_ids)
        )

    def offer(self, frame: Frame) -> None:
        self.offer_batch((frame,))

    def offer_batch(self, frames: Sequence[Frame]) -> None:
        """The frames of one read of the log. More wanted at once than the queue holds is a
        slow consumer, as if they had all been queued: frames sent inline are not queued, but
        a socket cannot take a burst that size any faster (and a close must not wait behind
        it in the TCP window)."""
        wanted = []
        for frame in frames:
            if frame.position > self.seen:
                self.seen = frame.position
                if self.wants(frame):
                    wanted.append(frame.text)
        if len(wanted) + len(self._queue) > self.limit:
            self._overflow()
            return
        for text in wanted:
            self.push(text)

    def push(self, item: str | list[str]) -> None:
        if self.overflowed or self._failure is not None:
            return
        if self._waiter is not None and self.deliver is not None:
            self._send_now([item] if isinstance(item, str) else item)
            return
        if len(self._queue) >= self.limit:
            self._overflow()
        else:
            self._queue.append(item)
            self._wake()

    def _overflow(self) -> None:
        if not self.overflowed:
            self.overflowed = True
            self.overflow.set()
            self._wake()

    def _send_now(self, texts: list[str]) -> None:
        assert self.deliver is not None
        self.active_at = time.monotonic()
        for n, text in enumerate(texts):
            try:
                rest = run_until_wait(self.deliver(text))
            except Exception as failed:  # the client is gone: its sender raises it
                self._failure = failed
                self._wake()
                return
            if rest is not None:  # a full TCP window: the sender finishes it, then the others
                self._queue.append(rest)
                if n + 1 < len(texts):
                    self._queue.append(texts[n + 1 :])
                self._wake()
                return

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def next(self) -> Item | None:
        """The next item to send, waiting for one; None once the queue has overflowed. A
        failed inline send is raised here."""
        while not self._queue and not self.overflowed and self._failure is None:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None  # awake (or cancelled): nothing more is sent inline
        if self._failure is not None:
            raise self._failure
        if self.overflowed:
            return None
        self.active_at = time.monotonic()
        return self._queue.popleft()

    def discard(self) -> None:
        """Abandons sends begun inline that the sender will never finish."""
        for item in self._queue:
            if isinstance(item, Unfinished):
                item.close()
        self._queue.clear()
