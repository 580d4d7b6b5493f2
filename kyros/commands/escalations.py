"""Escalation commands: open one (by request or because routing chose premium), decide it,
expire it, flag it overdue. A decision moves the task onto the model it will run on."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from ulid import ULID

from kyros.commands import spending
from kyros.commands.escalation_links import load_escalation
from kyros.commands.models import system_models, system_policy, task_routing_request
from kyros.commands.tasks import load_task
from kyros.domain.alert import Alert
from kyros.domain.errors import DomainError
from kyros.domain.escalation import Escalation, EscalationDay, escalation_day_id
from kyros.domain.escalation_errors import BudgetExhausted, EscalationRejected
from kyros.domain.escalation_rules import EscalationFacts, decide_automatically
from kyros.domain.models import Catalog, price
from kyros.domain.routing import RoutingPreferences, estimate_usage, select_model
from kyros.domain.routing_errors import ModelNotFound, ModelUnavailable
from kyros.domain.task import Task
from kyros.ids import public_id
from kyros.store.application import KyrosApplication

_REQUEUE_REASON = {"approved": "approved", "rejected": "rejected", "expired": "escalation_expired"}


class SubmitEscalation(msgspec.Struct, frozen=True, kw_only=True):
    """Models and estimate are derived from the task and the catalog when not given."""

    escalation_id: UUID
    task_id: str
    actor: str
    now: datetime
    reason: str
    original_model: str | None = None
    target_model: str | None = None
    context: dict[str, Any] = {}
    estimated_cost: Decimal | None = None
    priority: str | None = None


class DecideEscalation(msgspec.Struct, frozen=True, kw_only=True):
    escalation_id: str
    decision: str
    actor: str
    now: datetime
    reason: str | None = None
    comments: str | None = None


class Opened(msgspec.Struct, frozen=True, kw_only=True):
    escalation_id: str
    status: str
    estimated_cost: Decimal
    approval_required: bool
    explanation: str


def submit_escalation(
    app: KyrosApplication, catalog: Catalog, cmd: SubmitEscalation
) -> tuple[Opened, int]:
    """A person or agent asks for the premium model; the rules may grant it at once."""
    task = load_task(app, cmd.task_id)
    task.check_escalatable()
    models = system_models(app)
    target = cmd.target_model or models["escalation_model"]
    submitted = (task.submission or {}).get("model")
    original = cmd.original_model or submitted or models["default_model"]
    _check_models(catalog, original, target)
    routing = task_routing_request(task, cmd.now, RoutingPreferences())
    estimate = cmd.estimated_cost
    if estimate is None:
        estimate = price(estimate_usage(routing), catalog.get(target).pricing)
    try:
        decision = select_model(routing, system_policy(catalog, models))
        confidence = (
            decision.confidence_score if decision.premium else 1 - decision.confidence_score
        )
    except DomainError:
        confidence = 0.0
    role, user = _role_and_user(task, cmd.actor)
    left = spending.hard_remaining(app, role, target, user, cmd.now)
    if left is not None and estimate > left:
        raise EscalationRejected(
            f"A hard budget has {max(left, Decimal(0))} USD left; the escalation needs {estimate}",
            field="estimated_cost",
        )
    opened, changed = open_escalation(
        app,
        catalog,
        task,
        escalation_id=cmd.escalation_id,
        original=original,
        target=target,
        reason=cmd.reason,
        context=cmd.context,
        estimate=estimate,
        priority=cmd.priority or task.priority,
        confidence=round(confidence, 2),
        actor=cmd.actor,
        now=cmd.now,
    )
    return opened, app.save_all(task, *changed)


def _check_models(catalog: Catalog, original: str, target: str) -> None:
    for field, name in (("original_model", original), ("target_model", target)):
        if name not in catalog.names():
            raise ModelNotFound(name, field=field)
    if not catalog.is_usable(target):
        raise ModelUnavailable(f"Model {target!r} is not available", field="target_model")
    if original == target:
        raise DomainError("Must differ from original_model", field="target_model")


def _role_and_user(task: Task, actor: str) -> tuple[str, str]:
    submission = task.submission or {}
    role = submission.get("role") or task.assignee_role or ""
    return role, submission.get("submitted_by") or actor


def open_escalation(
    app: KyrosApplication,
    catalog: Catalog,
    task: Task,
    *,
    escalation_id: UUID,
    original: str,
    target: str,
    reason: str,
    context: dict[str, Any],
    estimate: Decimal,
    priority: str,
    confidence: float,
    actor: str,
    now: datetime,
) -> tuple[Opened, list[Aggregate]]:
    """Records the escalation on the task and the day's count, then applies the rules."""
    config = spending.settings(app)
    rules = config["escalation"]
    fallback = config["models"]["fallback_model"]
    public = public_id("esc", escalation_id)
    escalation = Escalation(
        escalation_id=escalation_id,
        task_id=public_id("task", task.id),
        original_model=original,
        target_model=target,
        fallback_model=fallback if fallback != target else original,
        reason=reason,
        context=context,
        estimated_cost=estimate,
        priority=priority,
        confidence=confidence,
        expires_at=now + timedelta(minutes=rules["expire_after_minutes"]),
        actor=actor,
    )
    day = _day(app, now)
    today = day.count
    day.record(escalation_id=public)
    task.request_escalation(escalation_id=public, model=target, actor=actor)
    role, user = _role_and_user(task, actor)
    facts = EscalationFacts(
        confidence=confidence,
        estimated_cost=estimate,
        escalations_today=today,
        budget_absorbs=spending.absorbs(app, role, target, user, estimate, now),
    )
    outcome = decide_automatically(rules, facts)
    changed: list[Aggregate] = [escalation, day]
    if outcome.auto_approve:
        escalation.auto_approve(rule=outcome.explanation)
        changed += _carry_out(app, catalog, task, escalation, "approved", "system", now)
    else:
        escalation.hold(rule=outcome.explanation)
    opened = Opened(
        escalation_id=public,
        status=escalation.status,
        estimated_cost=estimate,
        approval_required=not outcome.auto_approve,
        explanation=outcome.explanation,
    )
    return opened, changed


def _day(app: KyrosApplication, now: datetime) -> EscalationDay:
    try:
        return app.repository.get(escalation_day_id(now.date()))  # type: ignore[no-any-return]
    except AggregateNotFoundError:
        return EscalationDay(day=now.date().isoformat())


def decide_escalation(app: KyrosApplication, catalog: Catalog, cmd: DecideEscalation) -> int:
    """Approval runs the task on the target model (BudgetExhausted if a hard budget cannot
    take it); rejection runs it on the fallback."""
    if cmd.decision not in ("approved", "rejected"):
        raise DomainError("Must be one of: approved, rejected", field="decision")
    escalation = load_escalation(app, cmd.escalation_id)
    escalation.decide(
        decision=cmd.decision,
        reason=cmd.reason,
        comments=cmd.comments,
        now=cmd.now,
        actor=cmd.actor,
    )
    task = load_task(app, escalation.task_id)
    changed = _carry_out(app, catalog, task, escalation, cmd.decision, cmd.actor, cmd.now)
    return app.save_all(escalation, task, *changed)


def expire_escalation(
    app: KyrosApplication, catalog: Catalog, escalation_id: str, now: datetime
) -> int:
    """Called by the scheduler; 0 when the escalation was decided meanwhile."""
    escalation = load_escalation(app, escalation_id)
    if not escalation.is_overdue(now):
        return 0
    escalation.expire(now=now)
    task = load_task(app, escalation.task_id)
    changed = _carry_out(app, catalog, task, escalation, "expired", "system", now)
    return app.save_all(escalation, task, *changed)


def flag_overdue(app: KyrosApplication, escalation_id: str, waited: timedelta) -> int:
    """Raises the one `escalation_pending` alert of an escalation; 0 if already raised."""
    escalation = load_escalation(app, escalation_id)
    if escalation.status != "pending_approval" or escalation.overdue_alert is not None:
        return 0
    if not spending.settings(app)["monitoring"]["alert_enabled"]:
        return 0
    alert_uuid = ULID().to_uuid()
    escalation.flag_overdue(alert_id=public_id("alert", alert_uuid))
    minutes = int(waited.total_seconds() // 60)
    alert = Alert(
        alert_id=alert_uuid,
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
    return app.save_all(escalation, alert)


def _carry_out(
    app: KyrosApplication,
    catalog: Catalog,
    task: Task,
    escalation: Escalation,
    outcome: str,
    actor: str,
    now: datetime,
) -> list[Aggregate]:
    """Moves the task onto the decided model and its reservation with it. Work not yet
    dispatched (pending, waiting) only records the outcome for its dispatch."""
    if task.status == "cancelled" or not task.escalation_pending():
        return []
    if task.escalation["id"] != public_id("esc", escalation.id):  # type: ignore[index]
        return []  # not the escalation the task waits on (recorded, nothing to move)
    model = escalation.target_model if outcome == "approved" else escalation.fallback_model
    if task.status in ("pending", "waiting"):
        task.resolve_escalation(outcome=outcome, model=model, actor=actor)
        if task.status == "pending":
            return []
    else:
        if not catalog.is_usable(model):
            raise ModelUnavailable(f"Model {model!r} is not available", field="decision")
        task.requeue(model=model, reason=_REQUEUE_REASON[outcome], actor=actor)
    changed = spending.release(app, task, reason="model changed", actor=actor)
    amount = (
        escalation.estimated_cost if outcome == "approved" else estimate(task, catalog, model, now)
    )
    try:
        reserved = spending.reserve(
            app, task, model=model, amount=amount, now=now, actor=actor, loaded=changed
        )
        return changed + reserved
    except BudgetExhausted:
        if outcome == "approved":
            raise
        task.cancel(reason="budget exhausted: the fallback cannot be funded", actor=actor)
        return changed


def estimate(task: Task, catalog: Catalog, model: str, now: datetime) -> Decimal:
    """Routing's token estimate for the task, priced at `model`."""
    usage = estimate_usage(task_routing_request(task, now, RoutingPreferences()))
    return price(usage, catalog.get(model).pricing)
