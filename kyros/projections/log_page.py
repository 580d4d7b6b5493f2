"""One page of the log, read and decoded once for every read model that follows it."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.utils import resolve_topic

from kyros.eventstore.application import KyrosApplication

_KINDS: dict[str, str] = {}  # stored topic -> the event class's qualname (renames resolved)


def kind_of(topic: str) -> str:
    """The qualname projections dispatch on, found without decoding the event."""
    kind = _KINDS.get(topic)
    if kind is None:
        try:
            kind = resolve_topic(topic).__qualname__
        except Exception:  # a class gone from the code: decoding it will fail and say so
            kind = topic.rpartition(":")[2]
        _KINDS[topic] = kind
    return kind


@dataclass(frozen=True)
class Undecodable:
    """Stands in for a stored event that cannot be decoded: applying it raises the error, so
    each read model that reads its type halts there and the others go on."""

    error: Exception


def check_decoded(share: Sequence[tuple[int, Any]]) -> None:
    for _, event in share:
        if type(event) is Undecodable:
            raise event.error


class LogPage:
    """Notifications after a position; only those of a wanted type are decoded."""

    def __init__(self, notifications: Sequence[Any], wanted: Collection[str] | None, app: Any):
        events: list[tuple[int, str, Any]] = []
        decode = app.mapper.to_domain_event
        for notification in notifications:
            kind = kind_of(notification.topic)
            if wanted is not None and kind not in wanted:
                continue
            try:
                event = decode(notification)
            except Exception as error:
                event = Undecodable(error)
            events.append((notification.id, kind, event))
        ids = [n.id for n in notifications]
        self._fill(ids, ids[-1] if ids else None, {n.id: n.topic for n in notifications}, events)

    @classmethod
    def of(
        cls,
        ids: list[int],
        end: int | None,
        topics: dict[int, str],
        events: list[tuple[int, str, Any]],
    ) -> LogPage:
        """A page read some other way: `ids` the positions it read, `end` the position it
        reaches (past the last id when the positions between held nothing wanted)."""
        page = cls.__new__(cls)
        page._fill(ids, end, topics, events)
        return page

    def _fill(
        self,
        ids: list[int],
        end: int | None,
        topics: dict[int, str],
        events: list[tuple[int, str, Any]],
    ) -> None:
        self.ids = ids
        self.end = end
        self._topics = topics
        self.events = events
        self._event_ids = [e[0] for e in events]

    def share(self, start: int, kinds: Collection[str] | None) -> list[tuple[int, Any]]:
        """The page past `start`, of `kinds` only (every kind for None)."""
        events = self.events[bisect_right(self._event_ids, start) :]
        if kinds is None:
            return [(at, event) for at, _, event in events]
        return [(at, event) for at, kind, event in events if kind in kinds]

    def count_after(self, start: int) -> int:
        return len(self.ids) - bisect_right(self.ids, start)

    def count_between(self, start: int, end: int) -> int:
        return max(bisect_right(self.ids, end) - bisect_right(self.ids, start), 0)

    def before(self, at: int, floor: int) -> int:
        """The log position just before `at`, not below `floor`."""
        index = bisect_left(self.ids, at)
        return max(self.ids[index - 1], floor) if index else floor

    def topic(self, at: int) -> str:
        return self._topics[at]


def read_page(
    app: KyrosApplication, start: int, limit: int, wanted: Collection[str] | None
) -> LogPage:
    notifications = app.recorder.select_notifications(
        start=start, limit=limit, inclusive_of_start=False
    )
    return LogPage(notifications, wanted, app)
