"""Refusals of budgets: an unknown budget, and work a hard budget cannot fund."""

from __future__ import annotations

from decimal import Decimal

from kyros.domain.errors import DomainError, NotFound


class BudgetExhausted(DomainError):
    """Dispatching the work would take a hard budget past its limit."""

    code = "BUDGET_EXCEEDED"
    status = 409

    def __init__(self, name: str, remaining: Decimal, needed: Decimal) -> None:
        super().__init__(
            f"Budget {name!r} has {remaining} USD left this period; this work needs {needed}",
            field="estimated_cost",
        )
        self.name = name


class BudgetNotFound(NotFound):
    def __init__(self, budget_id: str) -> None:
        super().__init__(f"Budget {budget_id} does not exist", field="budget_id")
