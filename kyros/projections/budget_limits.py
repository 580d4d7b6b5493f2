"""The budget limits read model: every limit a budget has had and from when, so a past period
is shown against the limit that applied to it, not today's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.projections.engine import Page
from kyros.readstore.database import Cursor
from kyros.timefmt import sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_budget_limits (
        budget_id TEXT NOT NULL,
        version BIGINT NOT NULL,
        since TEXT NOT NULL,
        amount TEXT NOT NULL,
        PRIMARY KEY (budget_id, version)
    )
    """,
)
_INSERT = (
    "INSERT INTO rm_budget_limits (budget_id, version, since, amount) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (budget_id, version) DO NOTHING"
)


class BudgetLimitsProjection:
    """One row per definition or change of a budget's limit (the BudgetBook's version keys
    it); rows outlive a removed budget, like its ledgers."""

    name = "budget_limits"
    consumes = frozenset({"BudgetBook.Defined", "BudgetBook.Changed"})

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_budget_limits")

    def apply(self, tx: Cursor, page: Page) -> None:
        rows = [row for _, event in page if (row := _row(event)) is not None]
        if rows:
            tx.executemany(_INSERT, rows)


def _row(e: Any) -> tuple[str, int, str | None, str] | None:
    kind = type(e).__qualname__
    if kind == "BudgetBook.Defined":
        amount = e.budget["limit"]
    elif kind == "BudgetBook.Changed" and "limit" in e.changes:
        amount = e.changes["limit"]["new"]
    else:
        return None
    return e.budget_id, e.originator_version, sortable(e.timestamp), str(Decimal(str(amount)))
