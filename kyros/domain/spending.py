"""Spending against budgets, as one pure policy: which budgets apply to a piece of work, and
what reserving, settling or releasing its cost does to their ledgers and alerts.

A command loads the definitions and the ledgers the policy may touch into `Budgets`; the
policy changes them in memory and lists what to save, so spend and work commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from kyros.domain.budget import BudgetSpec
from kyros.domain.budget_alerts import crossing_alert
from kyros.domain.budget_ledger import BudgetLedger, Crossing, ledger_id, period_start
from kyros.domain.task import Task
from kyros.ids import public_id

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Payer:
    """Whom work is charged to: the role doing it and the user who asked for it. With the
    model, they choose the budgets that apply."""

    role: str
    user: str

    @staticmethod
    def of(task: Task, actor: str) -> Payer:
        """The task's submitter and role; before any submission, its assignee role and `actor`."""
        submission = task.submission or {}
        role = submission.get("role") or task.assignee_role or ""
        return Payer(role, submission.get("submitted_by") or actor)


def applicable(
    specs: Mapping[str, BudgetSpec], payer: Payer, model: str
) -> list[tuple[str, BudgetSpec]]:
    """The enabled budgets whose scope matches, in budget id order."""
    return [
        (budget_id, spec)
        for budget_id, spec in sorted(specs.items())
        if spec.applies_to(payer.role, model, payer.user)
    ]


class Budgets:
    """Every budget definition, the ledgers one command may touch (this period's for the
    budgets that apply to its work, and those holding its task's reservation), and whether
    crossings raise alerts. Collects what it changed, each ledger once, in order.

    `now` picks the period; None when only the task's reservation is settled or released."""

    def __init__(
        self,
        *,
        specs: Mapping[str, BudgetSpec],
        ledgers: Iterable[BudgetLedger],
        now: datetime | None,
        alerts_enabled: bool,
        new_alert_id: Callable[[], str],
    ) -> None:
        self.specs = dict(specs)
        self._now = now
        self._ledgers = {ledger.id: ledger for ledger in ledgers}
        self._alerts_enabled = alerts_enabled
        self._new_alert_id = new_alert_id
        self._changed: list[Any] = []

    def changed(self) -> list[Any]:
        """Ledgers and alerts to save with the task, in the order they changed."""
        return list(self._changed)

    def current(self, budget_id: str, spec: BudgetSpec) -> BudgetLedger:
        """This period's ledger; LookupError if the command did not load it (a bug there)."""
        if self._now is None:
            raise LookupError("no period was loaded")
        uuid = ledger_id(budget_id, period_start(spec.period, self._now))
        if uuid not in self._ledgers:
            raise LookupError(f"the ledger of {budget_id} for this period was not loaded")
        return self._ledgers[uuid]

    def _left(self, payer: Payer, model: str, *, hard_only: bool) -> list[Decimal]:
        return [
            self.current(budget_id, spec).remaining(spec)
            for budget_id, spec in applicable(self.specs, payer, model)
            if spec.enforcement == "hard" or not hard_only
        ]

    def hard_remaining(self, payer: Payer, model: str) -> Decimal | None:
        """The least any hard budget has left for this work; None when none applies."""
        left = self._left(payer, model, hard_only=True)
        return min(left) if left else None

    def absorbs(self, payer: Payer, model: str, amount: Decimal) -> bool:
        """Whether every budget that applies, hard or soft, has `amount` left this period."""
        return all(left >= amount for left in self._left(payer, model, hard_only=False))

    def reserve(self, task: Task, *, model: str, amount: Decimal, actor: str) -> None:
        """Reserves `amount` on every budget that applies, or on none: BudgetExhausted from
        the first hard one that cannot absorb it, before anything changes. The task records
        which ledgers hold it."""
        task_id = public_id("task", task.id)
        lines = [
            (budget_id, spec, self.current(budget_id, spec))
            for budget_id, spec in applicable(self.specs, Payer.of(task, actor), model)
        ]
        for _, spec, ledger in lines:
            ledger.check_absorbs(amount, spec)
        for budget_id, spec, ledger in lines:
            crossings = ledger.reserve(
                task_id=task_id, amount=amount, spec=spec, alert_ids=self._alert_ids()
            )
            self._record(ledger, crossings, budget_id, spec)
        if lines:
            ledgers = [str(ledger.id) for _, _, ledger in lines]
            task.reserve_cost(ledgers=ledgers, amount=amount, model=model, actor=actor)

    def settle(self, task: Task, *, actual: Decimal, actor: str) -> None:
        """Completion: every ledger that held the estimate records the actual cost instead; a
        removed budget's ledger records it too, and warns nobody."""
        if task.reservation is None:
            return
        task_id = public_id("task", task.id)
        for ledger in self._holding(task):
            spec = self.specs.get(ledger.budget_id)
            crossings = ledger.settle(
                task_id=task_id, actual=actual, spec=spec, alert_ids=self._alert_ids()
            )
            self._record(ledger, crossings, ledger.budget_id, spec)
        task.close_reservation(outcome="settled", actual=actual, actor=actor)

    def release(self, task: Task, *, reason: str, actor: str) -> None:
        """Failure, cancellation or a change of model: the estimate no longer counts."""
        if task.reservation is None:
            return
        task_id = public_id("task", task.id)
        for ledger in self._holding(task):
            ledger.release(task_id=task_id, reason=reason)
            self._record(ledger, [], ledger.budget_id, None)
        task.close_reservation(outcome="released", actual=_ZERO, actor=actor)

    def _holding(self, task: Task) -> list[BudgetLedger]:
        return [self._ledgers[UUID(ledger)] for ledger in task.reservation["ledgers"]]  # type: ignore[index]

    def _alert_ids(self) -> list[str]:
        """A ledger crosses at most two lines at once."""
        return [self._new_alert_id(), self._new_alert_id()]

    def _record(
        self,
        ledger: BudgetLedger,
        crossings: list[Crossing],
        budget_id: str,
        spec: BudgetSpec | None,
    ) -> None:
        if all(ledger is not other for other in self._changed):
            self._changed.append(ledger)
        if spec is not None and self._alerts_enabled:
            start = date.fromisoformat(ledger.period_start)
            self._changed += [crossing_alert(c, budget_id, spec, start) for c in crossings]


def held_ledgers(task: Task) -> list[UUID]:
    """The ledgers holding the task's reservation, for the command to load."""
    return [UUID(ledger) for ledger in (task.reservation or {}).get("ledgers", [])]
