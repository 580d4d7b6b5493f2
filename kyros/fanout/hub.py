"""Follows the log in each process and offers every published event to its WebSocket subscribers.

Every process reads the events from the log itself (PostgreSQL NOTIFY only says "the log moved"),
so a socket on any `kyros serve` sees every event. The most recent frames are kept in memory so
a reconnecting client can resume from a position without missing anything.
"""

from __future__ import annotations

import bisect
from typing import Any

import anyio
import msgspec
from anyio.abc import TaskGroup

from kyros.cluster.signals import Pulse
from kyros.eventstore.application import KyrosApplication
from kyros.fanout.event_types import publish
from kyros.fanout.subscriber import Frame, Subscriber
from kyros.supervision import WorkerState, supervise

_encoder = msgspec.json.Encoder(decimal_format="number")


class Hub:
    """Resume works for any position >= `floor`: every frame after it is still buffered."""

    def __init__(
        self,
        app: KyrosApplication,
        appended: Pulse,
        *,
        retention: int,
        poll_seconds: float,
        page_size: int = 500,
    ) -> None:
        self.app = app
        self.appended = appended
        self.retention = retention
        self.poll_seconds = poll_seconds
        self.page_size = page_size
        self.floor = 0
        self.position = 0
        self.subscribers: set[Subscriber] = set()
        self.state = WorkerState(name="websocket-hub")
        self.ready = anyio.Event()
        self._frames: list[Frame] = []

    def start(self, tg: TaskGroup) -> None:
        tg.start_soon(supervise, self.state, self.follow)

    async def follow(self) -> None:
        if not self.ready.is_set():
            head = await anyio.to_thread.run_sync(self.app.head)
            self.floor = self.position = max(0, head - self.retention)
            while self.position < head and await self._step():
                pass
            self.ready.set()
        while True:
            ticket = self.appended.ticket()
            if await self._step() < self.page_size:
                await Pulse.wait(ticket, self.poll_seconds)

    async def _step(self) -> int:
        frames, last, count = await anyio.to_thread.run_sync(self._read, self.position)
        if count:
            self._publish(frames, last)
        return count

    def _read(self, after: int) -> tuple[list[Frame], int, int]:
        notifications = self.app.recorder.select_notifications(
            start=after, limit=self.page_size, inclusive_of_start=False
        )
        frames = []
        for n in notifications:
            published = publish(self.app.mapper.to_domain_event(n))
            if published is not None and published.ws_type is not None:
                body = {
                    "type": published.ws_type,
                    "data": published.data,
                    "timestamp": published.timestamp,
                    "position": n.id,
                }
                text = _encoder.encode(body).decode()
                frames.append(
                    Frame(n.id, published.ws_type, published.permission, published.task_id, text)
                )
        last = notifications[-1].id if notifications else after
        return frames, last, len(notifications)

    def _publish(self, frames: list[Frame], last: int) -> None:
        self._frames.extend(frames)
        excess = len(self._frames) - self.retention
        if excess > 0:
            self.floor = self._frames[excess - 1].position
            del self._frames[:excess]
        self.position = last
        for subscriber in list(self.subscribers):
            subscriber.offer_batch(frames)

    def backlog(self, since: int) -> list[Frame] | None:
        """Buffered frames after `since`, or None when `since` is older than the buffer."""
        if since < self.floor:
            return None
        start = bisect.bisect_right(self._frames, since, key=lambda f: f.position)
        return self._frames[start:]

    def attach(self, subscriber: Subscriber) -> None:
        subscriber.seen = self.position
        self.subscribers.add(subscriber)

    def detach(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def stats(self) -> dict[str, Any]:
        return {
            "subscribers": len(self.subscribers),
            "position": self.position,
            "resume_floor": self.floor,
            "buffered": len(self._frames),
        }
