"""What routing sees of a task, the model a submission of it runs on, and what its work is
estimated to cost on a model."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec

from kyros.domain.escalation_errors import EscalationRejected
from kyros.domain.model_catalog import Catalog, price
from kyros.domain.routing import (
    ComplexityIndicators,
    RoutingContext,
    RoutingDecision,
    RoutingPolicy,
    RoutingPreferences,
    RoutingRequest,
    estimate_usage,
    select_model,
)
from kyros.domain.routing_errors import BudgetExceeded
from kyros.domain.task import Task


def task_routing_request(
    task: Task,
    now: datetime,
    preferences: RoutingPreferences,
    budget_remaining: Decimal | None = None,
) -> RoutingRequest:
    """Its text and tags, files, deadline, and the hints `security_sensitive`,
    `business_critical`, `service_count` its metadata may carry."""
    hints = {
        name: task.metadata[name]
        for name, kind in _HINTS.items()
        if isinstance(task.metadata.get(name), kind) and not _bool_as_int(task.metadata[name], kind)
    }
    text = " ".join(part for part in (task.title, task.description, *task.tags) if part)
    return RoutingRequest(
        task_description=text,
        task_type=task.task_type,  # type: ignore[arg-type]
        context=RoutingContext(now=now, deadline=task.deadline, budget_remaining=budget_remaining),
        files_to_modify=tuple(task.files_to_modify),
        complexity_indicators=ComplexityIndicators(**hints),
        preferences=preferences,
    )


def route_submission(
    task: Task,
    policy: RoutingPolicy,
    preferences: RoutingPreferences,
    *,
    preapproved: str | None,
    hard_left: Decimal | None,
    now: datetime,
) -> RoutingDecision:
    """The model a submission runs on. Premium work is routed again within what the hard
    budgets have left for it (EscalationRejected when not even the premium estimate fits);
    the model of an approved escalation (`preapproved`) runs without asking again."""
    decision = select_model(task_routing_request(task, now, preferences), policy)
    if decision.premium:
        routing = task_routing_request(task, now, preferences, budget_remaining=hard_left)
        try:
            decision = select_model(routing, policy)
        except BudgetExceeded:
            raise EscalationRejected(
                f"A hard budget has {hard_left} USD left, less than the premium estimate",
                field="preferences.model",
            ) from None
    if preapproved is not None and decision.selected_model == preapproved:
        decision = msgspec.structs.replace(decision, premium=False)
    return decision


def estimate(task: Task, catalog: Catalog, model: str, now: datetime) -> Decimal:
    """Routing's token estimate for the task, priced at `model`."""
    usage = estimate_usage(task_routing_request(task, now, RoutingPreferences()))
    return price(usage, catalog.get(model).pricing)


_HINTS: dict[str, type] = {
    "security_sensitive": bool,
    "business_critical": bool,
    "service_count": int,
}


def _bool_as_int(value: object, kind: type) -> bool:
    return kind is int and (isinstance(value, bool) or not 0 <= value <= 1000)  # type: ignore[operator]
