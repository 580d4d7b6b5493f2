"""Agent commands: register, heartbeat and claim, each load → decide on the aggregates → save."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from kyros.commands.loading import AGENTS, TASKS
from kyros.domain.agent import Agent
from kyros.domain.errors import Conflict, InvalidState, TaskNotFound
from kyros.domain.task import Task
from kyros.eventstore.application import KyrosApplication


class RegisterAgent(msgspec.Struct, frozen=True, kw_only=True):
    agent_id: UUID
    role: str
    capacity: int
    name: str
    at: datetime
    actor: str


class Heartbeat(msgspec.Struct, frozen=True, kw_only=True):
    agent_id: str
    at: datetime
    actor: str


class ClaimWork(msgspec.Struct, frozen=True, kw_only=True):
    """`candidates` are (submission id, task id) pairs from the queue, best first."""

    agent_id: str
    at: datetime
    actor: str
    lease: timedelta
    candidates: list[tuple[str, str]]


class Claimed(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: str
    task_id: str
    role: str
    model: str
    lease_expires_at: datetime
    position: int
    context: dict[str, Any]
    preferences: dict[str, Any]


AT_CAPACITY = "at_capacity"


def agent_of(app: KyrosApplication, agent_id: str, actor: str) -> Agent:
    """The agent, if `actor` registered it: 404 for an unknown id, 403 for someone else's."""
    agent = AGENTS.load(app, agent_id)
    agent.check_owner(actor)
    return agent


def register_agent(app: KyrosApplication, cmd: RegisterAgent) -> int:
    return app.save_all(Agent(**msgspec.structs.asdict(cmd)))


class Beat(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    held: list[str]


def heartbeat(app: KyrosApplication, cmd: Heartbeat) -> Beat:
    """Extends the lease of everything the agent holds; returns the submission ids it holds."""
    agent = AGENTS.load(app, cmd.agent_id)
    agent.heartbeat(at=cmd.at, actor=cmd.actor)
    return Beat(position=app.save_all(agent), held=sorted(agent.held))


def claim_work(app: KyrosApplication, cmd: ClaimWork) -> Claimed | str | None:
    """The first candidate this agent wins, AT_CAPACITY (the agent's capacity rule), or None
    when there is nothing to claim or every candidate was taken.

    Exactly one claimant: the task's next version can be written once, so a racing claimer
    gets Conflict (or, having loaded the task after the winner, InvalidState) and moves on.
    """
    agent = agent_of(app, cmd.agent_id, cmd.actor)
    for submission_id, task_id in cmd.candidates:
        if agent.at_capacity:
            return AT_CAPACITY
        claimed = _claim(app, cmd, agent, submission_id, task_id)
        if claimed is not None:
            return claimed
        agent = agent_of(app, cmd.agent_id, cmd.actor)  # a lost race left changes unsaved
    return AT_CAPACITY if agent.at_capacity else None


def _claim(
    app: KyrosApplication, cmd: ClaimWork, agent: Agent, submission_id: str, task_id: str
) -> Claimed | None:
    try:
        task = TASKS.load(app, task_id)
        if task.submission is None or task.submission["role"] != agent.role:
            return None
        task.claim(submission_id=submission_id, agent_id=cmd.agent_id, actor=cmd.actor)
        agent.take(submission_id=submission_id, task_id=task_id, at=cmd.at, actor=cmd.actor)
        position = app.save_all(task, agent)
    except (Conflict, InvalidState, TaskNotFound):
        return None
    return _claimed(cmd, agent, task, (submission_id, task_id), position)


def _claimed(
    cmd: ClaimWork, agent: Agent, task: Task, ids: tuple[str, str], position: int
) -> Claimed:
    submission = task.submission or {}
    return Claimed(
        submission_id=ids[0],
        task_id=ids[1],
        role=agent.role,
        model=submission["model"],
        lease_expires_at=agent.lease_expires_at(cmd.lease),
        position=position,
        context=submission.get("context", {}),
        preferences=submission.get("preferences", {}),
    )
