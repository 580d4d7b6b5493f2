"""The budgets read model: definitions from the BudgetBook, spending from each period's ledger.

Money is Decimal text, added up exactly in Python (never summed as SQL numbers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps, loads
from kyros.projections.rowset import RowSet
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
        """Folds the page into the rows it touches (one SELECT per table), writes them once."""
        handled = [
            (handler, event)
            for _, event in page
            if (handler := _HANDLERS.get(type(event).__qualname__)) is not None
        ]
        if not handled:
            return
        fold = _Fold()
        budgets, ledgers, reservations = [], [], []
        for _, event in handled:
            if type(event).__qualname__.startswith("BudgetBook."):
                budgets.append(event.budget_id)
            else:
                ledgers.append(str(event.originator_id))
                if hasattr(event, "task_id"):
                    reservations.append((str(event.originator_id), event.task_id))
        fold.budgets.load(tx, budgets)
        fold.ledgers.load(tx, ledgers)
        fold.reservations.load(tx, reservations)
        for handler, event in handled:
            handler(fold, event)
        for rows in (fold.reservations, fold.ledgers, fold.budgets):
            rows.flush(tx)


class _Fold:
    def __init__(self) -> None:
        self.budgets = RowSet(
            "rm_budgets", "id", ("id", "name", "doc", "created_by", "created_at", "updated_at")
        )
        self.ledgers = RowSet(
            "rm_budget_ledgers",
            "id",
            ("id", "budget_id", "period", "period_start", "spent", "crossed"),
        )
        self.reservations = RowSet(
            "rm_budget_reservations",
            ("ledger_id", "task_id"),
            ("ledger_id", "task_id", "amount", "reserved_at"),
        )


def _defined(fold: _Fold, e: Any) -> None:
    at = sortable(e.timestamp)
    fold.budgets.put(
        {
            "id": e.budget_id,
            "name": e.budget["name"],
            "doc": dumps(e.budget),
            "created_by": e.actor,
            "created_at": at,
            "updated_at": at,
        }
    )


def _changed(fold: _Fold, e: Any) -> None:
    row = fold.budgets.get(e.budget_id)
    if row is None:
        return
    doc = loads(row["doc"])
    doc.update({key: change["new"] for key, change in e.changes.items()})
    row.update(name=doc["name"], doc=dumps(doc), updated_at=sortable(e.timestamp))


def _removed(fold: _Fold, e: Any) -> None:
    fold.budgets.delete(e.budget_id)


def _ledger_opened(fold: _Fold, e: Any) -> None:
    ledger = str(e.originator_id)
    if fold.ledgers.get(ledger) is None:
        fold.ledgers.put(
            {
                "id": ledger,
                "budget_id": e.budget_id,
                "period": e.period,
                "period_start": e.period_start,
                "spent": "0",
                "crossed": "[]",
            }
        )


def _reserved(fold: _Fold, e: Any) -> None:
    key = (str(e.originator_id), e.task_id)
    row = fold.reservations.get(key)
    if row is None:
        fold.reservations.put(
            {
                "ledger_id": key[0],
                "task_id": e.task_id,
                "amount": str(e.amount),
                "reserved_at": sortable(e.timestamp),
            }
        )
    else:
        row["amount"] = str(e.amount)


def _unreserve(fold: _Fold, e: Any) -> None:
    fold.reservations.delete((str(e.originator_id), e.task_id))


def _settled(fold: _Fold, e: Any) -> None:
    _unreserve(fold, e)
    row = fold.ledgers.get(str(e.originator_id))
    if row is not None:
        row["spent"] = str(Decimal(row["spent"]) + Decimal(e.actual))


def _crossed(fold: _Fold, e: Any) -> None:
    row = fold.ledgers.get(str(e.originator_id))
    if row is not None:
        row["crossed"] = dumps([*loads(row["crossed"]), {"kind": e.kind, "alert_id": e.alert_id}])


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
