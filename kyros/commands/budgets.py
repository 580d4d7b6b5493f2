"""Budget definition commands: define, change and remove budgets in the one BudgetBook."""

from __future__ import annotations

from typing import Any

from kyros.commands.spending import budget_book, contended
from kyros.domain.budget import BudgetBook, BudgetSpec
from kyros.domain.escalation_errors import BudgetNotFound
from kyros.store.application import KyrosApplication


@contended
def define_budget(
    app: KyrosApplication, budget_id: str, fields: dict[str, Any], actor: str
) -> tuple[BudgetSpec, int]:
    book = budget_book(app) or BudgetBook(actor=actor)
    spec = book.define(budget_id=budget_id, fields=fields, actor=actor)
    return spec, app.save_all(book)


@contended
def change_budget(
    app: KyrosApplication, budget_id: str, fields: dict[str, Any], actor: str
) -> tuple[BudgetSpec, int]:
    """A changed limit applies to the current period's ledger from the next dispatch on."""
    book = _existing(app, budget_id)
    spec = book.change(budget_id=budget_id, fields=fields, actor=actor)
    return spec, app.save_all(book)


@contended
def remove_budget(app: KyrosApplication, budget_id: str, actor: str) -> int:
    """Reservations already held still settle into their ledgers; nothing new is held."""
    book = _existing(app, budget_id)
    book.remove(budget_id=budget_id, actor=actor)
    return app.save_all(book)


def _existing(app: KyrosApplication, budget_id: str) -> BudgetBook:
    book = budget_book(app)
    if book is None:
        raise BudgetNotFound(budget_id)
    return book
