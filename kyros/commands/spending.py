"""Loading what budget spending decides over (kyros.domain.spending): the definitions and the
ledgers the policy may touch, for the command to save with the task."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from kyros.commands.loading import load_settings
from kyros.domain.budget import BUDGET_BOOK_ID, BudgetBook, BudgetSpec
from kyros.domain.budget_ledger import BudgetLedger, ledger_id, period_start
from kyros.domain.spending import Budgets, Payer, applicable, held_ledgers
from kyros.domain.task import Task
from kyros.eventstore.application import KyrosApplication
from kyros.ids import new_id


def budget_book(app: KyrosApplication) -> BudgetBook | None:
    try:
        return app.repository.get(BUDGET_BOOK_ID)  # type: ignore[no-any-return]
    except AggregateNotFoundError:
        return None


def load_budgets(
    app: KyrosApplication,
    now: datetime,
    payer: Payer,
    models: Iterable[str],
    task: Task | None = None,
) -> Budgets:
    """What the spending policy may touch: every definition, this period's ledger of each
    budget that applies to `payer`'s work on any of `models`, and the ledgers holding
    `task`'s reservation; one object per ledger."""
    specs = _specs(app)
    ledgers: dict[UUID, Any] = {}
    for model in models:
        for budget_id, spec in applicable(specs, payer, model):
            uuid = ledger_id(budget_id, period_start(spec.period, now))
            if uuid not in ledgers:
                ledgers[uuid] = current_ledger(app, budget_id, spec, now)
    return _budgets(app, specs, ledgers, task, now)


def settle(app: KyrosApplication, task: Task, *, actual: Decimal, actor: str) -> list[Any]:
    """Completion: the task's reservation settled at `actual`; returns what to save."""
    budgets = _budgets(app, _specs(app), {}, task, None)
    budgets.settle(task, actual=actual, actor=actor)
    return budgets.changed()


def release(app: KyrosApplication, task: Task, *, reason: str, actor: str) -> list[Any]:
    """Failure or cancellation: the task's reservation released; returns what to save."""
    budgets = _budgets(app, _specs(app), {}, task, None)
    budgets.release(task, reason=reason, actor=actor)
    return budgets.changed()


def _specs(app: KyrosApplication) -> dict[str, BudgetSpec]:
    book = budget_book(app)
    return {budget_id: book.get(budget_id) for budget_id in book.budgets} if book else {}


def _budgets(
    app: KyrosApplication,
    specs: dict[str, BudgetSpec],
    ledgers: dict[UUID, Any],
    task: Task | None,
    now: datetime | None,
) -> Budgets:
    """Adds the ledgers holding `task`'s reservation to `ledgers`."""
    for uuid in held_ledgers(task) if task is not None else []:
        if uuid not in ledgers:
            ledgers[uuid] = app.repository.get(uuid)
    return Budgets(
        specs=specs,
        ledgers=ledgers.values(),
        now=now,
        alerts_enabled=load_settings(app)["monitoring"]["alert_enabled"],
        new_alert_id=lambda: new_id("alert"),
    )


def current_ledger(app: KyrosApplication, budget_id: str, spec: BudgetSpec, now: datetime) -> Any:
    """This period's ledger of the budget; a new, unsaved one if nothing was spent yet."""
    start = period_start(spec.period, now)
    uuid = ledger_id(budget_id, start)
    try:
        return app.repository.get(uuid)
    except AggregateNotFoundError:
        return BudgetLedger(budget_id=budget_id, period=spec.period, period_start=start.isoformat())
