"""Escalation commands: open one (by request or because routing chose premium), decide it,
expire it, flag it overdue. What each does to the task is decided in
kyros.domain.escalation_workflow; these load what it needs and save what it changed."""

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
from kyros.commands.loading import ESCALATIONS, TASKS, load_settings
from kyros.domain import escalation_workflow
from kyros.domain.escalation import Escalation, EscalationDay, escalation_day_id
from kyros.domain.escalation_workflow import (
    OpenEscalation,
    carry_out,
    check_fundable,
    escalate,
    escalation_models,
    overdue_alert,
    premium_confidence,
)
from kyros.domain.model_catalog import Catalog
from kyros.domain.routing import RoutingPreferences
from kyros.domain.routing_policies import system_policy
from kyros.domain.spending import Budgets, Payer
from kyros.domain.task import Task
from kyros.domain.task_routing import estimate, task_routing_request
from kyros.eventstore.application import KyrosApplication
from kyros.ids import public_id


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


class ExpireEscalation(msgspec.Struct, frozen=True, kw_only=True):
    escalation_id: str
    now: datetime


class FlagOverdue(msgspec.Struct, frozen=True, kw_only=True):
    escalation_id: str
    waited: timedelta


class Opened(msgspec.Struct, frozen=True, kw_only=True):
    escalation_id: str
    status: str
    estimated_cost: Decimal
    approval_required: bool
    explanation: str


class Escalated(msgspec.Struct, frozen=True, kw_only=True):
    opened: Opened
    position: int


def submit_escalation(app: KyrosApplication, catalog: Catalog, cmd: SubmitEscalation) -> Escalated:
    """A person or agent asks for the premium model; the rules may grant it at once."""
    task = TASKS.load(app, cmd.task_id)
    task.check_escalatable()
    request = _request(app, catalog, task, cmd)
    payer = Payer.of(task, cmd.actor)
    budgets = spending.load_budgets(app, cmd.now, payer, [request.target], task)
    check_fundable(budgets, payer, request.target, request.estimate)
    opened, changed = open_escalation(app, catalog, task, request, budgets)
    return Escalated(opened=opened, position=app.save_all(task, *changed, *budgets.changed()))


def _request(
    app: KyrosApplication, catalog: Catalog, task: Task, cmd: SubmitEscalation
) -> OpenEscalation:
    original, target, amount, confidence = _derived(app, catalog, task, cmd)
    return OpenEscalation(
        escalation_id=cmd.escalation_id,
        original=original,
        target=target,
        reason=cmd.reason,
        context=cmd.context,
        estimate=amount,
        priority=cmd.priority or task.priority,
        confidence=confidence,
        actor=cmd.actor,
        now=cmd.now,
    )


def _derived(
    app: KyrosApplication, catalog: Catalog, task: Task, cmd: SubmitEscalation
) -> tuple[str, str, Decimal, float]:
    """What the request may leave out (models, estimate) and routing's confidence, from the
    configured models, the task and the catalog."""
    models = load_settings(app)["models"]
    original, target = escalation_models(
        task, models, catalog, cmd.original_model, cmd.target_model
    )
    amount = cmd.estimated_cost
    if amount is None:
        amount = estimate(task, catalog, target, cmd.now)
    routing = task_routing_request(task, cmd.now, RoutingPreferences())
    return original, target, amount, premium_confidence(routing, system_policy(catalog, models))


def open_escalation(
    app: KyrosApplication, catalog: Catalog, task: Task, request: OpenEscalation, budgets: Budgets
) -> tuple[Opened, list[Aggregate]]:
    """Opens the escalation on the task; returns the answer, and the escalation and the
    day's count to save with the task and `budgets.changed()`."""
    day = _day(app, request.now)
    settings = load_settings(app)
    escalation, outcome = escalate(
        task, day, request, settings=settings, budgets=budgets, catalog=catalog
    )
    opened = Opened(
        escalation_id=public_id("esc", escalation.id),
        status=escalation.status,
        estimated_cost=request.estimate,
        approval_required=not outcome.auto_approve,
        explanation=outcome.explanation,
    )
    return opened, [escalation, day]


def _day(app: KyrosApplication, now: datetime) -> EscalationDay:
    try:
        return app.repository.get(escalation_day_id(now.date()))  # type: ignore[no-any-return]
    except AggregateNotFoundError:
        return EscalationDay(day=now.date().isoformat())


def decide_escalation(app: KyrosApplication, catalog: Catalog, cmd: DecideEscalation) -> int:
    """Approval runs the task on the target model (BudgetExhausted if a hard budget cannot
    take it); rejection runs it on the fallback."""
    escalation = ESCALATIONS.load(app, cmd.escalation_id)
    escalation.decide(
        decision=cmd.decision,
        reason=cmd.reason,
        comments=cmd.comments,
        now=cmd.now,
        actor=cmd.actor,
    )
    task, budgets = _moving(app, escalation, cmd.actor, cmd.now)
    carry_out(escalation, task, budgets=budgets, catalog=catalog, actor=cmd.actor, now=cmd.now)
    return app.save_all(escalation, task, *budgets.changed())


def expire_escalation(app: KyrosApplication, catalog: Catalog, cmd: ExpireEscalation) -> int:
    """Called by the scheduler; 0 when the escalation was decided meanwhile."""
    escalation = ESCALATIONS.load(app, cmd.escalation_id)
    if not escalation.is_overdue(cmd.now):
        return 0
    escalation.expire(now=cmd.now)
    task, budgets = _moving(app, escalation, "system", cmd.now)
    carry_out(escalation, task, budgets=budgets, catalog=catalog, actor="system", now=cmd.now)
    return app.save_all(escalation, task, *budgets.changed())


def _moving(
    app: KyrosApplication, escalation: Escalation, actor: str, now: datetime
) -> tuple[Task, Budgets]:
    """The task a decision moves, and the budgets of either model it may move onto."""
    task = TASKS.load(app, escalation.task_id)
    models = (escalation.target_model, escalation.fallback_model)
    return task, spending.load_budgets(app, now, Payer.of(task, actor), models, task)


def flag_overdue(app: KyrosApplication, cmd: FlagOverdue) -> int:
    """Raises the one `escalation_pending` alert of an escalation; 0 if already raised."""
    escalation = ESCALATIONS.load(app, cmd.escalation_id)
    if not escalation.awaits_overdue_alert():
        return 0
    if not load_settings(app)["monitoring"]["alert_enabled"]:
        return 0
    alert = overdue_alert(escalation, alert_id=ULID().to_uuid(), waited=cmd.waited)
    return app.save_all(escalation, alert)


def complete_escalation(
    app: KyrosApplication, task: Task, actual: Decimal, result: str
) -> list[Escalation]:
    escalation_id = escalation_workflow.approved_run(task)
    if escalation_id is None:
        return []
    escalation = ESCALATIONS.load(app, escalation_id)
    return escalation_workflow.complete(escalation, actual=actual, result=result)


def withdraw_escalation(
    app: KyrosApplication, task: Task, reason: str, actor: str
) -> list[Escalation]:
    if not task.escalation_pending():
        return []
    escalation = ESCALATIONS.load(app, task.escalation["id"])  # type: ignore[index]
    return escalation_workflow.withdraw(escalation, reason=reason, actor=actor)
