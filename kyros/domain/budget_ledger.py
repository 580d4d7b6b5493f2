"""One budget's spending in one calendar period: reservations, settlements and crossings.

A ledger is its own aggregate so that concurrent dispatches against one budget conflict on
its version: of two racing reservations only one commits, and the other is re-decided
against the new balance. That is what keeps a hard budget from being overspent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kyros.domain.budget import BudgetSpec
from kyros.domain.budget_errors import BudgetExhausted
from kyros.domain.errors import InvalidState

_ZERO = Decimal(0)


def period_start(period: str, now: datetime) -> date:
    """Calendar-aligned in UTC: the day, the ISO week from Monday, or the month."""
    day = now.date()
    if period == "weekly":
        return day - timedelta(days=day.weekday())
    if period == "monthly":
        return day.replace(day=1)
    return day


def period_end(period: str, start: date) -> date:
    """The first day after the period."""
    if period == "weekly":
        return start + timedelta(days=7)
    if period == "monthly":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def ledger_id(budget_id: str, start: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"kyros:budget-ledger:{budget_id}:{start.isoformat()}")


@dataclass(frozen=True)
class Crossing:
    """A line this ledger crossed for the first time: `threshold` (committed spend reached
    the budget's alert threshold) or `overrun` (settled spend went past the limit)."""

    kind: str
    alert_id: str
    committed: Decimal
    spent: Decimal
    limit: Decimal


class BudgetLedger(Aggregate):
    @staticmethod
    def create_id(budget_id: str, period_start: str) -> UUID:
        return ledger_id(budget_id, date.fromisoformat(period_start))

    @event("Opened")
    def __init__(self, *, budget_id: str, period: str, period_start: str) -> None:
        self.budget_id = budget_id
        self.period = period
        self.period_start = period_start
        self.reserved: dict[str, Decimal] = {}
        self.spent = _ZERO
        self.crossed: list[str] = []

    @property
    def committed(self) -> Decimal:
        return self.spent + sum(self.reserved.values(), _ZERO)

    def remaining(self, spec: BudgetSpec) -> Decimal:
        return spec.limit - self.committed

    def reserve(
        self, *, task_id: str, amount: Decimal, spec: BudgetSpec, alert_ids: list[str]
    ) -> list[Crossing]:
        """BudgetExhausted when a hard budget cannot absorb `amount`; soft ones only warn."""
        if task_id in self.reserved:
            raise InvalidState(f"{task_id} already holds a reservation here", field="task_id")
        self.check_absorbs(amount, spec)
        self._reserved(task_id=task_id, amount=amount)
        return self._cross(spec, alert_ids)

    def check_absorbs(self, amount: Decimal, spec: BudgetSpec) -> None:
        """BudgetExhausted when a hard budget has less than `amount` left this period."""
        if spec.enforcement == "hard" and amount > self.remaining(spec):
            raise BudgetExhausted(spec.name, max(self.remaining(spec), _ZERO), amount)

    @event("Reserved")
    def _reserved(self, task_id: str, amount: Decimal) -> None:
        self.reserved[task_id] = amount

    def settle(
        self, *, task_id: str, actual: Decimal, spec: BudgetSpec | None, alert_ids: list[str]
    ) -> list[Crossing]:
        """`spec` is None once the budget is removed: spend is still recorded, nobody warned."""
        reserved = self.reserved.get(task_id, _ZERO)
        self._settled(task_id=task_id, reserved=reserved, actual=actual)
        return self._cross(spec, alert_ids) if spec is not None else []

    @event("Settled")
    def _settled(self, task_id: str, reserved: Decimal, actual: Decimal) -> None:
        self.reserved.pop(task_id, None)
        self.spent += actual

    def release(self, *, task_id: str, reason: str) -> None:
        if task_id in self.reserved:
            self._released(task_id=task_id, amount=self.reserved[task_id], reason=reason)

    @event("Released")
    def _released(self, task_id: str, amount: Decimal, reason: str) -> None:
        del self.reserved[task_id]

    def _cross(self, spec: BudgetSpec, alert_ids: list[str]) -> list[Crossing]:
        """`alert_ids` are fresh ids, used only for lines crossed now (at most two)."""
        lines = {
            "threshold": spec.limit > 0 and self.committed >= spec.limit * spec.alert_threshold,
            "overrun": self.spent > spec.limit,
        }
        crossings = []
        for kind, crossed in lines.items():
            if crossed and kind not in self.crossed:
                alert_id = alert_ids[len(crossings)]
                self._crossed(
                    kind=kind,
                    alert_id=alert_id,
                    committed=self.committed,
                    spent=self.spent,
                    limit=spec.limit,
                )
                crossings.append(Crossing(kind, alert_id, self.committed, self.spent, spec.limit))
        return crossings

    @event("Crossed")
    def _crossed(
        self, kind: str, alert_id: str, committed: Decimal, spent: Decimal, limit: Decimal
    ) -> None:
        self.crossed = [*self.crossed, kind]
