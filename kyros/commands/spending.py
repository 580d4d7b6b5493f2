"""Budget accounting around a task's life: reserve at dispatch, settle or release at the end.

Each helper returns the aggregates it changed (ledgers, alerts) for the caller to save in the
same transaction as the task, so spend and work never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from ulid import ULID

from kyros.domain.alert import Alert
from kyros.domain.budget import BUDGET_BOOK_ID, BudgetBook, BudgetSpec
from kyros.domain.budget_ledger import BudgetLedger, Crossing, ledger_id, period_start
from kyros.domain.configuration import CONFIGURATION_ID, with_defaults
from kyros.domain.task import Task
from kyros.ids import parse_id, public_id
from kyros.store.application import KyrosApplication

_ZERO = Decimal(0)


def budget_book(app: KyrosApplication) -> BudgetBook | None:
    try:
        return app.repository.get(BUDGET_BOOK_ID)  # type: ignore[no-any-return]
    except AggregateNotFoundError:
        return None


def settings(app: KyrosApplication) -> dict[str, dict[str, Any]]:
    try:
        return with_defaults(app.repository.get(CONFIGURATION_ID).settings)
    except AggregateNotFoundError:
        return with_defaults({})


def applicable(
    app: KyrosApplication, role: str, model: str, user: str
) -> list[tuple[str, BudgetSpec]]:
    book = budget_book(app)
    return book.applicable(role, model, user) if book is not None else []


def current_ledger(
    app: KyrosApplication,
    budget_id: str,
    spec: BudgetSpec,
    now: datetime,
    loaded: Sequence[Aggregate] = (),
) -> Any:
    """`loaded` are aggregates this command already changed: one object per ledger."""
    start = period_start(spec.period, now)
    uuid = ledger_id(budget_id, start)
    for aggregate in loaded:
        if aggregate.id == uuid:
            return aggregate
    try:
        return app.repository.get(uuid)
    except AggregateNotFoundError:
        return BudgetLedger(budget_id=budget_id, period=spec.period, period_start=start.isoformat())


def absorbs(
    app: KyrosApplication, role: str, model: str, user: str, amount: Decimal, now: datetime
) -> bool:
    """Whether every budget that applies, hard or soft, has `amount` left this period."""
    return all(
        current_ledger(app, budget_id, spec, now).remaining(spec) >= amount
        for budget_id, spec in applicable(app, role, model, user)
    )


def hard_remaining(
    app: KyrosApplication, role: str, model: str, user: str, now: datetime
) -> Decimal | None:
    """The least any hard budget has left for this work; None when none applies."""
    left = [
        current_ledger(app, budget_id, spec, now).remaining(spec)
        for budget_id, spec in applicable(app, role, model, user)
        if spec.enforcement == "hard"
    ]
    return min(left) if left else None


def reserve(
    app: KyrosApplication,
    task: Task,
    *,
    model: str,
    amount: Decimal,
    now: datetime,
    actor: str,
    loaded: Sequence[Aggregate] = (),
) -> list[Aggregate]:
    """Reserves `amount` on every applicable budget (BudgetExhausted from a hard one); the
    task records which ledgers hold it. Raises before touching the task. Returns what it
    changed, except aggregates already in `loaded`."""
    submission = task.submission or {}
    role, user = submission.get("role", ""), submission.get("submitted_by", task.created_by)
    task_id = public_id("task", task.id)
    changed: list[Aggregate] = []
    ledgers = []
    for budget_id, spec in applicable(app, role, model, user):
        ledger = current_ledger(app, budget_id, spec, now, loaded)
        crossings = ledger.reserve(task_id=task_id, amount=amount, spec=spec, alert_ids=_ids())
        ledgers.append(str(ledger.id))
        if ledger not in loaded:
            changed.append(ledger)
        changed += _alerts(app, crossings, budget_id, spec, ledger)
    if ledgers:
        task.reserve_cost(ledgers=ledgers, amount=amount, model=model, actor=actor)
    return changed


def settle(app: KyrosApplication, task: Task, *, actual: Decimal, actor: str) -> list[Aggregate]:
    """Completion: every ledger that held the estimate records the actual cost instead."""
    if task.reservation is None:
        return []
    book = budget_book(app)
    task_id = public_id("task", task.id)
    changed: list[Aggregate] = []
    for ledger in _reserved_ledgers(app, task):
        known = book is not None and ledger.budget_id in book.budgets
        spec = book.get(ledger.budget_id) if known and book is not None else None
        crossings = ledger.settle(task_id=task_id, actual=actual, spec=spec, alert_ids=_ids())
        changed.append(ledger)
        if spec is not None:
            changed += _alerts(app, crossings, ledger.budget_id, spec, ledger)
    task.close_reservation(outcome="settled", actual=actual, actor=actor)
    return changed


def release(app: KyrosApplication, task: Task, *, reason: str, actor: str) -> list[Aggregate]:
    """Failure, cancellation or a change of model: the estimate no longer counts."""
    if task.reservation is None:
        return []
    task_id = public_id("task", task.id)
    ledgers = _reserved_ledgers(app, task)
    for ledger in ledgers:
        ledger.release(task_id=task_id, reason=reason)
    task.close_reservation(outcome="released", actual=_ZERO, actor=actor)
    return list(ledgers)


def _reserved_ledgers(app: KyrosApplication, task: Task) -> list[Any]:
    return [app.repository.get(UUID(ledger)) for ledger in task.reservation["ledgers"]]  # type: ignore[index]


def _ids() -> list[str]:
    return [public_id("alert", ULID().to_uuid()) for _ in range(2)]


def _alerts(
    app: KyrosApplication, crossings: list[Crossing], budget_id: str, spec: BudgetSpec, ledger: Any
) -> list[Aggregate]:
    if not crossings or not settings(app)["monitoring"]["alert_enabled"]:
        return []
    return [_alert(c, budget_id, spec, date.fromisoformat(ledger.period_start)) for c in crossings]


def _alert(crossing: Crossing, budget_id: str, spec: BudgetSpec, start: date) -> Alert:
    base = {
        "budget_id": budget_id,
        "budget_name": spec.name,
        "period": spec.period,
        "period_start": start.isoformat(),
        "enforcement": spec.enforcement,
        "budget": spec.limit,
    }
    label = spec.period.capitalize()
    if crossing.kind == "overrun":
        overrun = crossing.spent - spec.limit
        share = f"{overrun / spec.limit * 100:.0f}%" if spec.limit else f"{overrun} USD"
        return Alert(
            alert_id=parse_id("alert", crossing.alert_id),
            alert_type="cost_overrun",
            severity="error" if spec.enforcement == "hard" else "warning",
            message=f"{label} cost exceeded budget {spec.name!r} by {share}",
            details={**base, "actual": crossing.spent, "overrun": overrun},
            actor="system",
        )
    share = crossing.committed / spec.limit * 100
    return Alert(
        alert_id=parse_id("alert", crossing.alert_id),
        alert_type="budget_threshold",
        severity="warning",
        message=f"{label} budget {spec.name!r} is {share:.0f}% committed",
        details={**base, "committed": crossing.committed, "threshold": spec.alert_threshold},
        actor="system",
    )
