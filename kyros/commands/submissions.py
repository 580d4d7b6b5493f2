"""Submission commands: submit a task to a role, release waiting or approved work."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
from ulid import ULID

from kyros.commands import spending
from kyros.commands.agent_roles import role_config
from kyros.commands.escalations import Opened, open_escalation
from kyros.commands.models import role_policy, system_models, task_routing_request
from kyros.commands.tasks import load_task
from kyros.domain.agent import AgentUnavailable
from kyros.domain.agent_roles import AgentRoleConfig, check_constraints
from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.escalation_errors import EscalationRejected
from kyros.domain.models import Catalog
from kyros.domain.routing import RoutingDecision, RoutingPreferences, select_model
from kyros.domain.routing_errors import BudgetExceeded, InvalidConfiguration, ModelNotFound
from kyros.domain.task import Task
from kyros.store.application import KyrosApplication

_SUBMITTABLE = ("pending", "failed")


class SubmitTask(msgspec.Struct, frozen=True, kw_only=True):
    """`live_agents` is read before the command; it matters only when `immediate` is set.
    `escalation_id` names the escalation opened if routing chooses the premium model."""

    submission_id: str
    escalation_id: UUID = msgspec.field(default_factory=lambda: ULID().to_uuid())
    task_id: str
    role: str
    actor: str
    now: datetime
    context: dict[str, Any] = {}
    preferences: dict[str, Any] = {}
    model: str | None = None
    cost_sensitive: bool = False
    quality_critical: bool = False
    immediate: bool = False
    live_agents: int = 0


class Submitted(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    model: str
    estimated_cost: Decimal
    estimated_duration: int
    position: int
    escalation: Opened | None = None


def submit_task(app: KyrosApplication, catalog: Catalog, cmd: SubmitTask) -> Submitted:
    """Premium work opens an escalation (which the rules may approve at once); other work
    reserves its estimate on the budgets that apply (BudgetExhausted from a hard one)."""
    role = role_config(app, cmd.role)
    task = load_task(app, cmd.task_id)
    _check_accepts(role, task, catalog, cmd)
    decision = _route(app, catalog, role, task, cmd)
    if task.assignee_role is None:
        task.update({"assignee_role": cmd.role}, actor=cmd.actor)
    task.submit(**_submission(cmd, role, decision), waiting_on=_unfinished_dependencies(app, task))
    if cmd.immediate and cmd.live_agents == 0:
        raise AgentUnavailable(f"No {cmd.role} agent is connected", field="immediate")
    opened, changed = None, []
    if decision.premium and not task.escalation_pending():
        opened, changed = open_escalation(
            app,
            catalog,
            task,
            escalation_id=cmd.escalation_id,
            original=role.default_model,
            target=decision.selected_model,
            reason=f"Routing selected the premium model: {decision.reasoning.summary}",
            context=cmd.context,
            estimate=decision.estimated_cost,
            priority=task.priority,
            confidence=decision.confidence_score,
            actor=cmd.actor,
            now=cmd.now,
        )
    elif not task.escalation_pending():
        changed = spending.reserve(
            app,
            task,
            model=decision.selected_model,
            amount=decision.estimated_cost,
            now=cmd.now,
            actor=cmd.actor,
        )
    return Submitted(
        status=task.status,
        model=(task.submission or {}).get("model", decision.selected_model),
        estimated_cost=decision.estimated_cost,
        estimated_duration=decision.estimated_duration,
        position=app.save_all(task, *changed),
        escalation=opened,
    )


def _route(
    app: KyrosApplication, catalog: Catalog, role: AgentRoleConfig, task: Task, cmd: SubmitTask
) -> RoutingDecision:
    """An approved escalation's model is used without asking again; a hard budget that
    cannot take the premium estimate keeps routing on the default model."""
    preapproved = task.preapproved_model()
    usable = preapproved if preapproved in role.available_models else None
    preferences = RoutingPreferences(cmd.cost_sensitive, cmd.quality_critical, cmd.model or usable)
    policy = role_policy(catalog, system_models(app), role)
    decision = select_model(task_routing_request(task, cmd.now, preferences), policy)
    try:
        if decision.premium:  # only premium work is re-routed within what budgets have left
            left = spending.hard_remaining(
                app, cmd.role, policy.escalation_model, cmd.actor, cmd.now
            )
            routing = task_routing_request(task, cmd.now, preferences, budget_remaining=left)
            decision = select_model(routing, policy)
    except BudgetExceeded:
        raise EscalationRejected(
            f"A hard budget has {left} USD left, less than the premium estimate",
            field="preferences.model",
        ) from None
    if usable is not None and decision.selected_model == usable:
        decision = msgspec.structs.replace(decision, premium=False)
    return decision


def _submission(
    cmd: SubmitTask, role: AgentRoleConfig, decision: RoutingDecision
) -> dict[str, Any]:
    """What Task.submit records; the agent gets the role's sampling preferences, overridden
    by the submitter's."""
    return {
        "submission_id": cmd.submission_id,
        "role": cmd.role,
        "model": decision.selected_model,
        "premium": decision.premium,
        "estimated_cost": decision.estimated_cost,
        "estimated_duration": decision.estimated_duration,
        "actor": cmd.actor,
        "context": cmd.context,
        "preferences": {**msgspec.structs.asdict(role.preferences), **cmd.preferences},
    }


def _check_accepts(role: AgentRoleConfig, task: Task, catalog: Catalog, cmd: SubmitTask) -> None:
    """Before any routing: the role is enabled and may do this task with this model."""
    if not role.enabled:
        raise AgentUnavailable(f"The {role.role} role is disabled", field="role")
    task.check_not_finished("be submitted")
    if task.status not in _SUBMITTABLE:
        issue = f"A {task.status} task was already submitted; only pending or failed tasks can be"
        raise InvalidState(issue, field="status")
    if task.assignee_role not in (None, cmd.role):
        issue = f"The task is assigned to the {task.assignee_role} role; change assignee_role first"
        raise DomainError(issue, field="role")
    check_constraints(role, task.files_to_modify)
    if cmd.model is not None and cmd.model not in role.available_models:
        if cmd.model not in catalog.names():
            raise ModelNotFound(cmd.model, field="preferences.model")
        issue = f"{cmd.model!r} is not one of the {role.role} role's available models"
        raise InvalidConfiguration(issue, field="preferences.model")


def _unfinished_dependencies(app: KyrosApplication, task: Task) -> list[str]:
    """Dependencies not yet completed; a cancelled one could never finish, so it refuses."""
    waiting = []
    for dependency in task.dependencies:
        status = load_task(app, dependency).status
        if status == "cancelled":
            raise InvalidState(f"Dependency {dependency} is cancelled", field="dependencies")
        if status != "completed":
            waiting.append(dependency)
    return waiting


def release_waiting_task(app: KyrosApplication, task_id: str) -> int:
    """Called by the scheduler for each waiting task; a no-op (0) unless every dependency
    is completed in the log itself, so acting on a lagging read model is harmless."""
    task = load_task(app, task_id)
    if task.status != "waiting":
        return 0
    if any(load_task(app, d).status != "completed" for d in task.dependencies):
        return 0
    task.release_waiting(actor="system")
    return app.save_all(task)
