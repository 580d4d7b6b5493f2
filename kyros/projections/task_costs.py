"""The task costs read model: each task's recorded cost as a sortable number, for the list's
`sort_by=cost` (the tasks read model keeps it only inside each task's JSON)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.readstore.database import Cursor

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_task_costs (
        task_id TEXT PRIMARY KEY,
        micros BIGINT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_task_costs_micros ON rm_task_costs (micros, task_id)",
)
_UPSERT = (
    "INSERT INTO rm_task_costs (task_id, micros) VALUES (?, ?)"
    " ON CONFLICT (task_id) DO UPDATE SET micros = excluded.micros"
)


class TaskCostsProjection:
    """The cost of a task's latest completion that reported usage, in micro-dollars (every
    cost is priced to the micro-dollar), as the task's `metadata.cost` shows it."""

    name = "task_costs"
    consumes = frozenset({"Task.Completed"})

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_task_costs")

    def apply(self, tx: Cursor, page: Page) -> None:
        latest: dict[str, int] = {}  # one write per task and page: its last completion wins
        for _, event in page:
            if type(event).__qualname__ != "Task.Completed":
                continue
            micros = _micros(event)
            if micros is not None:
                latest[public_id("task", event.originator_id)] = micros
        if latest:
            tx.executemany(_UPSERT, sorted(latest.items()))


def _micros(e: Any) -> int | None:
    cost = (e.usage or {}).get("cost")
    if cost is None:
        return None
    return int((Decimal(str(cost)) * 1_000_000).to_integral_value())
