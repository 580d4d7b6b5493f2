"""What a write decided, for an answer built from it rather than read back from a read model
that may not have applied it yet (such a command's `Route` says `answers_from_command`), and
which of those answers a later read must wait for."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate

from kyros.eventstore.application import KyrosApplication


@dataclass(frozen=True)
class Decided:
    """The log position the save committed at (0: nothing changed) and the subject aggregate's
    events up to the version it decided."""

    position: int
    events: tuple[Any, ...]


def save_decided(app: KyrosApplication, subject: Aggregate, *others: Aggregate) -> Decided:
    """`app.save_all(subject, *others)` for a new subject: its events are all it has."""
    events = tuple(subject.pending_events)
    return Decided(app.save_all(subject, *others), events)


def save_with_history(app: KyrosApplication, subject: Aggregate, *others: Aggregate) -> Decided:
    """`app.save_all(subject, *others)`, then the subject's whole history up to the version it
    decided (a view folds all of it), read from the log: one query, not a read model's wait."""
    position = app.save_all(subject, *others)
    return Decided(position, tuple(app.events.get(subject.id, lte=subject.version)))


class AnsweredAhead:
    """Per read model, the highest log position of a write this process answered, possibly
    ahead of that read model. A later read here waits for it (kyros.http.consistency),
    so a client that sends no X-Kyros-Min-Position still reads its own writes from this
    process, as when each write waited for its read models. Used on the event loop only."""

    def __init__(self) -> None:
        self._marks: dict[str, int] = {}

    def note(self, position: int, names: Collection[str]) -> None:
        for name in names:
            if position > self._marks.get(name, 0):
                self._marks[name] = position

    def awaited(self, names: Collection[str] | None) -> tuple[int, list[str]]:
        """The position a read of `names` (None: every read model) waits for, and which of
        them must reach it; (0, []) when none is behind a write answered here."""
        marks = self._marks
        if not marks:
            return 0, []
        marked = [n for n in (marks if names is None else names) if n in marks]
        return max((marks[n] for n in marked), default=0), marked

    def forget(self, position: int, names: Collection[str]) -> None:
        """Reached (or given up on: one bounded wait per write, not per read)."""
        for name in names:
            if self._marks.get(name, 0) <= position:
                self._marks.pop(name, None)
