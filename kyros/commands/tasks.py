"""Task commands: one handler per intent, each load → decide on the aggregate → save."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from kyros.commands import spending
from kyros.commands.decided import Decided, save_decided, save_with_history
from kyros.commands.escalations import withdraw_escalation
from kyros.commands.loading import TASKS, holding_agent
from kyros.domain.dependencies import check_no_cycle
from kyros.domain.errors import DomainError, TaskNotFound
from kyros.domain.holds import check_agent_update, released
from kyros.domain.task import Task
from kyros.eventstore.application import KyrosApplication
from kyros.ids import public_id


class CreateTask(msgspec.Struct, frozen=True, kw_only=True):
    task_id: UUID
    actor: str
    title: str
    description: str
    task_type: str
    priority: str
    assignee_role: str | None
    files_to_modify: list[str]
    acceptance_criteria: list[str]
    dependencies: list[str]
    tags: list[str]
    deadline: datetime | None
    metadata: dict[str, Any]


class Progress(msgspec.Struct, frozen=True, kw_only=True):
    completed_steps: int
    total_steps: int
    current_step: str | None = None


class UpdateTask(msgspec.Struct, frozen=True, kw_only=True):
    """A PUT: field edits, then at most one status change, with its payload."""

    task_id: str
    actor: str
    fields: dict[str, Any] = {}
    status: str | None = None
    assigned_to: str | None = None
    progress: Progress | None = None
    results: dict[str, Any] | None = None
    feedback: str | None = None
    error: str | None = None
    as_agent: bool = False  # the caller may only report on work its agent holds


class CancelTask(msgspec.Struct, frozen=True, kw_only=True):
    task_id: str
    actor: str
    reason: str | None


def create_task(app: KyrosApplication, cmd: CreateTask) -> Decided:
    own_id = public_id("task", cmd.task_id)
    _check_dependencies(app, own_id, cmd.dependencies)
    fields = msgspec.structs.asdict(cmd)
    return save_decided(app, Task(**fields))


def update_task(app: KyrosApplication, cmd: UpdateTask) -> Decided:
    task = TASKS.load(app, cmd.task_id)
    hold = holding_agent(app, task)
    if cmd.as_agent:
        check_agent_update(hold, cmd.actor, cmd.fields, cmd.status)
    if "dependencies" in cmd.fields:
        _check_dependencies(app, cmd.task_id, cmd.fields["dependencies"])
    task.update(cmd.fields, actor=cmd.actor)
    changed = _report(app, task, cmd)
    return save_with_history(app, task, *released(task, hold, cmd.actor), *changed)


def _report(app: KyrosApplication, task: Task, cmd: UpdateTask) -> list[Any]:
    """A PUT's status part, in order: taken up, progress, then at most one ending (with what
    it does to the task's budget reservation); returns the other aggregates it changed."""
    if cmd.status == "in_progress" and task.status != "in_progress":
        task.assign(agent_id=cmd.assigned_to or cmd.actor, actor=cmd.actor)
    if cmd.progress is not None:
        task.report_progress(**msgspec.structs.asdict(cmd.progress), actor=cmd.actor)
    if cmd.status == "completed":
        task.complete(results=cmd.results or {}, feedback=cmd.feedback, usage=None, actor=cmd.actor)
        return spending.settle(app, task, actual=Decimal(0), actor=cmd.actor)
    if cmd.status == "failed":
        task.fail(error=cmd.error or cmd.feedback or "failed", actor=cmd.actor)
        return spending.release(app, task, reason="failed", actor=cmd.actor)
    if cmd.status == "cancelled":
        return _cancel(app, task, cmd.feedback, cmd.actor)
    return []


def cancel_task(app: KyrosApplication, cmd: CancelTask) -> Decided:
    task = TASKS.load(app, cmd.task_id)
    hold = holding_agent(app, task)
    changed = _cancel(app, task, cmd.reason, cmd.actor)
    return save_with_history(app, task, *released(task, hold, cmd.actor), *changed)


def _cancel(app: KyrosApplication, task: Task, reason: str | None, actor: str) -> list[Any]:
    """Cancelling withdraws a pending escalation and releases the task's reservation."""
    changed = withdraw_escalation(app, task, reason or "task cancelled", actor)
    task.cancel(reason=reason, actor=actor)
    return changed + spending.release(app, task, reason="cancelled", actor=actor)


def _check_dependencies(app: KyrosApplication, own_id: str, dependencies: list[str]) -> None:
    for dependency in dependencies:
        if dependency == own_id:
            raise DomainError("a task cannot depend on itself", field="dependencies")
        try:
            TASKS.load(app, dependency)
        except TaskNotFound:
            raise DomainError(f"{dependency} does not exist", field="dependencies") from None
    check_no_cycle(own_id, dependencies, lambda t: list(TASKS.load(app, t).dependencies))
