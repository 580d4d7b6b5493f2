"""A task's representation from the events its write decided, folded by the tasks read model's
own `apply`, so a write answers with exactly what a later GET returns without waiting for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyros.projections.jsondoc import loads
from kyros.projections.tasks import TasksProjection
from kyros.queries.tasks import public_view

_PROJECTION = TasksProjection()
_UPSERT = "INSERT INTO rm_tasks "  # the read model's row write; its last value is the document


class _Captured:
    """A cursor over no stored rows that keeps the document the projection writes."""

    rowcount = 0

    def __init__(self) -> None:
        self.doc: str | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Captured:
        return self

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        if sql.startswith(_UPSERT):
            (row,) = params
            self.doc = row[-1]

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[Any]:
        return []


def task_view(events: Sequence[Any]) -> dict[str, Any]:
    """The view of a task from all of its events, as the tasks read model would hold it."""
    captured = _Captured()
    _PROJECTION.apply(captured, [(0, event) for event in events])
    if captured.doc is None:
        raise ValueError("the events do not make a task")
    return public_view(loads(captured.doc))
