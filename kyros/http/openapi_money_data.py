"""OpenAPI answer shapes of budgets and escalations."""

from __future__ import annotations

from msgspec import Struct

from kyros.http.openapi_common_data import Context, Pagination


class BudgetPeriod(Struct):
    """`end` is exclusive; `remaining` is negative when a soft budget is overcommitted;
    `utilization` is a percent of the limit (null for a zero limit)."""

    start: str
    end: str
    spent: float
    reserved: float
    committed: float
    remaining: float
    utilization: float | None
    open_reservations: int


class Budget(Struct):
    id: str
    name: str
    period: str
    limit: float
    scope: str
    scope_value: str | None
    enforcement: str
    alert_threshold: float
    enabled: bool
    created_by: str
    created_at: str
    updated_at: str
    current_period: BudgetPeriod


class BudgetList(Struct):
    budgets: list[Budget]


class PastBudgetPeriod(Struct):
    """`end` is exclusive; `limit` is the one in force at the period's end (now for the
    current period; null only for a budget whose limit was never recorded)."""

    start: str
    end: str
    period: str
    limit: float | None
    spent: float
    reserved: float
    committed: float
    remaining: float | None
    utilization: float | None
    open_reservations: int
    current: bool


class BudgetPeriodPage(Struct):
    periods: list[PastBudgetPeriod]
    pagination: Pagination


class OpenedEscalation(Struct):
    """`rule` says which configured rule approved it at once, or why it waits for a person."""

    escalation_id: str
    task_id: str
    status: str
    submitted_at: str
    estimated_cost: float
    approval_required: bool
    workflow_id: str
    rule: str


class Escalation(Struct):
    """An escalation's whole story: each `*_at`/`*_by` stays null until that step happened."""

    escalation_id: str
    workflow_id: str
    task_id: str
    status: str
    original_model: str
    target_model: str
    fallback_model: str
    reason: str
    context: Context
    priority: str
    confidence: float
    estimated_cost: float
    actual_cost: float | None
    requested_by: str
    submitted_at: str
    expires_at: str
    approval_required: bool
    auto_approved: bool
    rule: str | None
    decided_at: str | None
    decided_by: str | None
    decision_reason: str | None
    approver_comments: str | None
    approved_at: str | None
    approved_by: str | None
    rejected_at: str | None
    expired_at: str | None
    withdrawn_at: str | None
    withdrawal_reason: str | None
    completed_at: str | None
    result: str | None
    overdue_alert_id: str | None


class EscalationPage(Struct):
    escalations: list[Escalation]
    pagination: Pagination
