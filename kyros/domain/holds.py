"""Who may report on work: only the registered agent holding a task's current submission, and
an agent only with progress, results, errors and a status it may set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kyros.domain.agent import Agent, NotHeld
from kyros.domain.identity_errors import Forbidden
from kyros.domain.task import Task

_AGENT_MAY_SET = frozenset({"in_progress", "completed", "failed"})


@dataclass(frozen=True)
class Hold:
    agent: Agent
    submission_id: str


def check_holds(hold: Hold | None, actor: str, submission_id: str | None = None) -> Hold:
    """403 unless `actor` registered the agent that holds the task (and this submission)."""
    wanted = submission_id or (hold.submission_id if hold else None)
    if hold is None or hold.agent.owner != actor or hold.submission_id != wanted:
        raise NotHeld("Only the agent holding this work may report on it", field="submission_id")
    return hold


def check_agent_update(
    hold: Hold | None, actor: str, fields: dict[str, Any], status: str | None
) -> None:
    """An agent's PUT: only on work it holds, and only progress, results, errors and status."""
    check_holds(hold, actor)
    if fields:
        raise Forbidden("Agents may not edit a task's fields", field=sorted(fields)[0])
    if status is not None and status not in _AGENT_MAY_SET:
        raise Forbidden("Agents may report in_progress, completed or failed", field="status")


def released(task: Task, hold: Hold | None, actor: str) -> list[Agent]:
    """After a status change, frees the holder's slot unless the task is still in progress."""
    if hold is None or (task.status == "in_progress" and task.assigned_to is not None):
        return []
    hold.agent.release(submission_id=hold.submission_id, reason=task.status, actor=actor)
    return [hold.agent]
