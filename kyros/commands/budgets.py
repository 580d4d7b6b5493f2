"""Budget definition commands: define, change and remove budgets in the one BudgetBook.

They write the book every dispatch reads, so they are registered to take turns with
budget-touching commands (kyros.commands.conflicts.take_turns).
"""

from __future__ import annotations

from typing import Any

import msgspec

from kyros.commands.spending import budget_book
from kyros.domain.budget import BudgetBook
from kyros.domain.budget_errors import BudgetNotFound
from kyros.eventstore.application import KyrosApplication


class DefineBudget(msgspec.Struct, frozen=True, kw_only=True):
    budget_id: str
    fields: dict[str, Any]
    actor: str


class ChangeBudget(msgspec.Struct, frozen=True, kw_only=True):
    """Partial: only the fields given change."""

    budget_id: str
    fields: dict[str, Any]
    actor: str


class RemoveBudget(msgspec.Struct, frozen=True, kw_only=True):
    budget_id: str
    actor: str


def define_budget(app: KyrosApplication, cmd: DefineBudget) -> int:
    book = budget_book(app) or BudgetBook(actor=cmd.actor)
    book.define(budget_id=cmd.budget_id, fields=cmd.fields, actor=cmd.actor)
    return app.save_all(book)


def change_budget(app: KyrosApplication, cmd: ChangeBudget) -> int:
    """A changed limit applies to the current period's ledger from the next dispatch on."""
    book = _existing(app, cmd.budget_id)
    book.change(budget_id=cmd.budget_id, fields=cmd.fields, actor=cmd.actor)
    return app.save_all(book)


def remove_budget(app: KyrosApplication, cmd: RemoveBudget) -> int:
    """Reservations already held still settle into their ledgers; nothing new is held."""
    book = _existing(app, cmd.budget_id)
    book.remove(budget_id=cmd.budget_id, actor=cmd.actor)
    return app.save_all(book)


def _existing(app: KyrosApplication, budget_id: str) -> BudgetBook:
    book = budget_book(app)
    if book is None:
        raise BudgetNotFound(budget_id)
    return book
