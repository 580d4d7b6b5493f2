"""Submission commands: submit a task to a role, release waiting or approved work."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate
from ulid import ULID

from kyros.commands import spending
from kyros.commands.agent_roles import role_config
from kyros.commands.escalations import Opened, open_escalation
from kyros.commands.loading import TASKS, load_settings
from kyros.domain.agent import AgentUnavailable
from kyros.domain.agent_roles import AgentRoleConfig, check_constraints
from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.escalation_workflow import OpenEscalation
from kyros.domain.model_catalog import Catalog
from kyros.domain.routing import RoutingDecision, RoutingPolicy, RoutingPreferences
from kyros.domain.routing_errors import InvalidConfiguration, ModelNotFound
from kyros.domain.routing_policies import role_policy
from kyros.domain.spending import Budgets, Payer
from kyros.domain.task import Task
from kyros.domain.task_routing import route_submission
from kyros.eventstore.application import KyrosApplication

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


class ReleaseWaitingTask(msgspec.Struct, frozen=True, kw_only=True):
    task_id: str


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
    task = TASKS.load(app, cmd.task_id)
    _check_accepts(role, task, catalog, cmd)
    policy = role_policy(catalog, load_settings(app)["models"], role)
    budgets = spending.load_budgets(app, cmd.now, Payer(cmd.role, cmd.actor), role.available_models)
    decision = _route(budgets, policy, role, task, cmd)
    _submit(app, task, role, decision, cmd)
    opened, changed = _dispatch(app, catalog, task, role, decision, cmd, budgets)
    position = app.save_all(task, *changed, *budgets.changed())
    return _submitted(task, decision, position, opened)


def _route(
    budgets: Budgets, policy: RoutingPolicy, role: AgentRoleConfig, task: Task, cmd: SubmitTask
) -> RoutingDecision:
    """An approved escalation's model, if the role may use it, runs without asking again;
    premium work is held to what the hard budgets have left for the escalation model."""
    left = budgets.hard_remaining(Payer(cmd.role, cmd.actor), policy.escalation_model)
    preapproved = task.preapproved_model()
    usable = preapproved if preapproved in role.available_models else None
    preferences = RoutingPreferences(cmd.cost_sensitive, cmd.quality_critical, cmd.model or usable)
    return route_submission(
        task, policy, preferences, preapproved=usable, hard_left=left, now=cmd.now
    )


def _submit(
    app: KyrosApplication,
    task: Task,
    role: AgentRoleConfig,
    decision: RoutingDecision,
    cmd: SubmitTask,
) -> None:
    if task.assignee_role is None:
        task.update({"assignee_role": cmd.role}, actor=cmd.actor)
    task.submit(**_submission(cmd, role, decision), waiting_on=_unfinished_dependencies(app, task))
    if cmd.immediate and cmd.live_agents == 0:
        raise AgentUnavailable(f"No {cmd.role} agent is connected", field="immediate")


def _dispatch(
    app: KyrosApplication,
    catalog: Catalog,
    task: Task,
    role: AgentRoleConfig,
    decision: RoutingDecision,
    cmd: SubmitTask,
    budgets: Budgets,
) -> tuple[Opened | None, list[Aggregate]]:
    """Premium work opens an escalation; other work reserves its estimate. Nothing more while
    an escalation of the task is still pending."""
    if task.escalation_pending():
        return None, []
    if not decision.premium:
        model, amount = decision.selected_model, decision.estimated_cost
        budgets.reserve(task, model=model, amount=amount, actor=cmd.actor)
        return None, []
    return open_escalation(app, catalog, task, _premium(role, task, decision, cmd), budgets)


def _premium(
    role: AgentRoleConfig, task: Task, decision: RoutingDecision, cmd: SubmitTask
) -> OpenEscalation:
    """The escalation opened because routing chose the premium model."""
    return OpenEscalation(
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


def _submitted(
    task: Task, decision: RoutingDecision, position: int, opened: Opened | None
) -> Submitted:
    return Submitted(
        status=task.status,
        model=(task.submission or {}).get("model", decision.selected_model),
        estimated_cost=decision.estimated_cost,
        estimated_duration=decision.estimated_duration,
        position=position,
        escalation=opened,
    )


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
        status = TASKS.load(app, dependency).status
        if status == "cancelled":
            raise InvalidState(f"Dependency {dependency} is cancelled", field="dependencies")
        if status != "completed":
            waiting.append(dependency)
    return waiting


def release_waiting_task(app: KyrosApplication, cmd: ReleaseWaitingTask) -> int:
    """Called by the scheduler for each waiting task; a no-op (0) unless every dependency
    is completed in the log itself, so acting on a lagging read model is harmless."""
    task = TASKS.load(app, cmd.task_id)
    if task.status != "waiting":
        return 0
    if any(TASKS.load(app, d).status != "completed" for d in task.dependencies):
        return 0
    task.release_waiting(actor="system")
    return app.save_all(task)
