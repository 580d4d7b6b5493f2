"""The budgets read model: definitions from the BudgetBook, spending from each period's ledger.

Money is Decimal text, added up exactly in Python (never summed as SQL numbers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps, loads
from kyros.readstore.database import Cursor
from kyros.timefmt import sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_budgets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rm_budget_ledgers (
        id TEXT PRIMARY KEY,
        budget_id TEXT NOT NULL,
        period TEXT NOT NULL,
        period_start TEXT NOT NULL,
        spent TEXT NOT NULL,
        crossed TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_budget_ledgers_budget"
    " ON rm_budget_ledgers (budget_id, period_start)",
    """
    CREATE TABLE IF NOT EXISTS rm_budget_reservations (
        ledger_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        amount TEXT NOT NULL,
        reserved_at TEXT NOT NULL,
        PRIMARY KEY (ledger_id, task_id)
    )
    """,
)


class BudgetsProjection:
    """`rm_budgets.doc` holds the BudgetSpec fields; a removed budget's row is deleted, its
    ledgers stay. A ledger's reservations are rows, so `reserved` is their exact sum."""

    name = "budgets"
    consumes = frozenset(
        {
            "BudgetBook.Defined",
            "BudgetBook.Changed",
            "BudgetBook.Removed",
            "BudgetLedger.Opened",
            "BudgetLedger.Reserved",
            "BudgetLedger.Settled",
            "BudgetLedger.Released",
            "BudgetLedger.Crossed",
        }
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_budget_reservations")
        tx.execute("DELETE FROM rm_budget_ledgers")
        tx.execute("DELETE FROM rm_budgets")

    def apply(self, tx: Cursor, page: Page) -> None:
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is not None:
                handler(tx, event)


def _defined(tx: Cursor, e: Any) -> None:
    at = sortable(e.timestamp)
    tx.execute("DELETE FROM rm_budgets WHERE id = ?", (e.budget_id,))
    tx.execute(
        "INSERT INTO rm_budgets (id, name, doc, created_by, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (e.budget_id, e.budget["name"], dumps(e.budget), e.actor, at, at),
    )


def _changed(tx: Cursor, e: Any) -> None:
    row = tx.execute("SELECT doc FROM rm_budgets WHERE id = ?", (e.budget_id,)).fetchone()
    if row is None:
        return
    doc = loads(row["doc"])
    doc.update({key: change["new"] for key, change in e.changes.items()})
    tx.execute(
        "UPDATE rm_budgets SET name = ?, doc = ?, updated_at = ? WHERE id = ?",
        (doc["name"], dumps(doc), sortable(e.timestamp), e.budget_id),
    )


def _removed(tx: Cursor, e: Any) -> None:
    tx.execute("DELETE FROM rm_budgets WHERE id = ?", (e.budget_id,))


def _ledger_opened(tx: Cursor, e: Any) -> None:
    tx.execute(
        "INSERT INTO rm_budget_ledgers (id, budget_id, period, period_start, spent, crossed)"
        " VALUES (?, ?, ?, ?, '0', '[]') ON CONFLICT (id) DO NOTHING",
        (str(e.originator_id), e.budget_id, e.period, e.period_start),
    )


def _reserved(tx: Cursor, e: Any) -> None:
    tx.execute(
        "INSERT INTO rm_budget_reservations (ledger_id, task_id, amount, reserved_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (ledger_id, task_id) DO UPDATE SET amount = ?",
        (str(e.originator_id), e.task_id, str(e.amount), sortable(e.timestamp), str(e.amount)),
    )


def _unreserve(tx: Cursor, e: Any) -> None:
    tx.execute(
        "DELETE FROM rm_budget_reservations WHERE ledger_id = ? AND task_id = ?",
        (str(e.originator_id), e.task_id),
    )


def _settled(tx: Cursor, e: Any) -> None:
    _unreserve(tx, e)
    ledger = str(e.originator_id)
    row = tx.execute("SELECT spent FROM rm_budget_ledgers WHERE id = ?", (ledger,)).fetchone()
    if row is not None:
        spent = Decimal(row["spent"]) + Decimal(e.actual)
        tx.execute("UPDATE rm_budget_ledgers SET spent = ? WHERE id = ?", (str(spent), ledger))


def _crossed(tx: Cursor, e: Any) -> None:
    ledger = str(e.originator_id)
    row = tx.execute("SELECT crossed FROM rm_budget_ledgers WHERE id = ?", (ledger,)).fetchone()
    if row is not None:
        crossed = [*loads(row["crossed"]), {"kind": e.kind, "alert_id": e.alert_id}]
        tx.execute(
            "UPDATE rm_budget_ledgers SET crossed = ? WHERE id = ?", (dumps(crossed), ledger)
        )


_HANDLERS = {
    "BudgetBook.Defined": _defined,
    "BudgetBook.Changed": _changed,
    "BudgetBook.Removed": _removed,
    "BudgetLedger.Opened": _ledger_opened,
    "BudgetLedger.Reserved": _reserved,
    "BudgetLedger.Settled": _settled,
    "BudgetLedger.Released": _unreserve,
    "BudgetLedger.Crossed": _crossed,
}
