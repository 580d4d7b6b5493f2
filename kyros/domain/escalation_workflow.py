"""What escalating a task does: which models it moves between, whether budgets can fund it,
and what opening it, approving, rejecting or letting it expire does to the task's model and
its budget reservation. Pure decisions over the aggregates a command loaded."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from kyros.domain.alert import Alert
from kyros.domain.budget_errors import BudgetExhausted
from kyros.domain.errors import DomainError
from kyros.domain.escalation import Escalation, EscalationDay
from kyros.domain.escalation_errors import EscalationRejected
from kyros.domain.escalation_rules import EscalationFacts, RuleOutcome, decide_automatically
from kyros.domain.model_catalog import Catalog
from kyros.domain.routing import RoutingPolicy, RoutingRequest, select_model
from kyros.domain.routing_errors import ModelNotFound, ModelUnavailable
from kyros.domain.spending import Budgets, Payer
from kyros.domain.task import Task
from kyros.domain.task_routing import estimate
from kyros.ids import public_id

_REQUEUE_REASON = {"approved": "approved", "rejected": "rejected", "expired": "escalation_expired"}


class OpenEscalation(msgspec.Struct, frozen=True, kw_only=True):
    """An escalation of one task from `original` to `target`, fully determined: asked for by
    a person or agent, or opened because routing chose the premium model."""

    escalation_id: UUID
    original: str
    target: str
    reason: str
    context: dict[str, Any]
    estimate: Decimal
    priority: str
    confidence: float
    actor: str
    now: datetime


def escalation_models(
    task: Task, models: dict[str, Any], catalog: Catalog, original: str | None, target: str | None
) -> tuple[str, str]:
    """(original, target): as asked, else the task's submitted model (or the default) and
    the configured escalation model. Both in the catalog, the target usable and different."""
    target = target or models["escalation_model"]
    original = original or (task.submission or {}).get("model") or models["default_model"]
    for field, name in (("original_model", original), ("target_model", target)):
        if name not in catalog.names():
            raise ModelNotFound(name, field=field)
    if not catalog.is_usable(target):
        raise ModelUnavailable(f"Model {target!r} is not available", field="target_model")
    if original == target:
        raise DomainError("Must differ from original_model", field="target_model")
    return original, target


def premium_confidence(routing: RoutingRequest, policy: RoutingPolicy) -> float:
    """Routing's confidence that the premium model is needed; 0 when routing cannot tell."""
    try:
        decision = select_model(routing, policy)
    except DomainError:
        return 0.0
    confidence = decision.confidence_score if decision.premium else 1 - decision.confidence_score
    return round(confidence, 2)


def check_fundable(budgets: Budgets, payer: Payer, target: str, amount: Decimal) -> None:
    """EscalationRejected when a hard budget could not take the escalation's estimate."""
    left = budgets.hard_remaining(payer, target)
    if left is not None and amount > left:
        raise EscalationRejected(
            f"A hard budget has {max(left, Decimal(0))} USD left; the escalation needs {amount}",
            field="estimated_cost",
        )


def escalate(
    task: Task,
    day: EscalationDay,
    request: OpenEscalation,
    *,
    settings: dict[str, dict[str, Any]],
    budgets: Budgets,
    catalog: Catalog,
) -> tuple[Escalation, RuleOutcome]:
    """Records the escalation on the task and the day's count, then applies the configured
    rules: an automatic approval is carried out at once, anything else waits for a person."""
    rules, fallback = settings["escalation"], settings["models"]["fallback_model"]
    public = public_id("esc", request.escalation_id)
    escalation = Escalation(
        escalation_id=request.escalation_id,
        task_id=public_id("task", task.id),
        original_model=request.original,
        target_model=request.target,
        fallback_model=fallback if fallback != request.target else request.original,
        reason=request.reason,
        context=request.context,
        estimated_cost=request.estimate,
        priority=request.priority,
        confidence=request.confidence,
        expires_at=request.now + timedelta(minutes=rules["expire_after_minutes"]),
        actor=request.actor,
    )
    today = day.count
    day.record(escalation_id=public)
    task.request_escalation(escalation_id=public, model=request.target, actor=request.actor)
    absorbs = budgets.absorbs(Payer.of(task, request.actor), request.target, request.estimate)
    outcome = decide_automatically(
        rules, EscalationFacts(request.confidence, request.estimate, today, absorbs)
    )
    if outcome.auto_approve:
        escalation.auto_approve(rule=outcome.explanation)
        carry_out(
            escalation, task, budgets=budgets, catalog=catalog, actor="system", now=request.now
        )
    else:
        escalation.hold(rule=outcome.explanation)
    return escalation, outcome


def carry_out(
    escalation: Escalation,
    task: Task,
    *,
    budgets: Budgets,
    catalog: Catalog,
    actor: str,
    now: datetime,
) -> None:
    """Moves the task the escalation holds onto the decided model (the target once approved,
    the fallback once rejected or expired) and its reservation with it.

    Work not yet dispatched (pending, waiting) only records the outcome for its dispatch.
    An approval a hard budget cannot fund is refused (BudgetExhausted); a fallback it cannot
    fund cancels the task, since the work can run on no model.
    """
    outcome = escalation.status
    if task.status == "cancelled" or not task.escalation_pending():
        return
    if task.escalation["id"] != public_id("esc", escalation.id):  # type: ignore[index]
        return  # not the escalation the task waits on (recorded, nothing to move)
    model = escalation.target_model if outcome == "approved" else escalation.fallback_model
    if task.status in ("pending", "waiting"):
        task.resolve_escalation(outcome=outcome, model=model, actor=actor)
        if task.status == "pending":
            return
    else:
        if not catalog.is_usable(model):
            raise ModelUnavailable(f"Model {model!r} is not available", field="decision")
        task.requeue(model=model, reason=_REQUEUE_REASON[outcome], actor=actor)
    budgets.release(task, reason="model changed", actor=actor)
    approved = outcome == "approved"
    amount = escalation.estimated_cost if approved else estimate(task, catalog, model, now)
    try:
        budgets.reserve(task, model=model, amount=amount, actor=actor)
    except BudgetExhausted:
        if approved:
            raise
        task.cancel(reason="budget exhausted: the fallback cannot be funded", actor=actor)


def overdue_alert(escalation: Escalation, *, alert_id: UUID, waited: timedelta) -> Alert:
    """Flags the escalation and raises its one `escalation_pending` alert."""
    escalation.flag_overdue(alert_id=public_id("alert", alert_id))
    minutes = int(waited.total_seconds() // 60)
    escalation_id = public_id("esc", escalation.id)
    return Alert(
        alert_id=alert_id,
        alert_type="escalation_pending",
        severity="warning",
        message=f"Escalation {escalation_id} has waited {minutes} minutes for a decision",
        details={
            "escalation_id": escalation_id,
            "task_id": escalation.task_id,
            "target_model": escalation.target_model,
            "estimated_cost": escalation.estimated_cost,
            "waiting_minutes": minutes,
        },
        actor="system",
    )


def approved_run(task: Task) -> str | None:
    """The escalation a finished run completes: one approved for the model the task ran on."""
    escalation = task.escalation
    model = (task.submission or {}).get("model")
    if escalation is None or escalation["state"] != "approved" or model != escalation["model"]:
        return None
    return str(escalation["id"])


def complete(escalation: Escalation, *, actual: Decimal, result: str) -> list[Escalation]:
    """What the premium run really cost, once, on an escalation still approved."""
    if escalation.status != "approved":
        return []
    escalation.complete(actual_cost=actual, result=result, actor="system")
    return [escalation]


def withdraw(escalation: Escalation, *, reason: str, actor: str) -> list[Escalation]:
    """A cancelled task's escalation no longer waits for anyone (nothing if decided)."""
    if escalation.status != "pending_approval":
        return []
    escalation.withdraw(reason=reason, actor=actor)
    return [escalation]
