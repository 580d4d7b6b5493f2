"""Agent commands: register, heartbeat and claim, each load → decide on the aggregates → save."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from kyros.commands.holds import retry_on_conflict
from kyros.commands.tasks import load_task
from kyros.domain.agent import Agent, AgentNotFound
from kyros.domain.errors import Conflict, InvalidState, TaskNotFound
from kyros.ids import parse_id
from kyros.store.application import KyrosApplication


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


def load_agent(app: KyrosApplication, agent_id: str) -> Agent:
    uuid = parse_id("agent", agent_id)
    if uuid is None:
        raise AgentNotFound(agent_id)
    return app.load(uuid, lambda: AgentNotFound(agent_id))


def agent_of(app: KyrosApplication, agent_id: str, actor: str) -> Agent:
    """The agent, if `actor` registered it: 404 for an unknown id, 403 for someone else's."""
    agent = load_agent(app, agent_id)
    agent.check_owner(actor)
    return agent


def register_agent(app: KyrosApplication, cmd: RegisterAgent) -> int:
    return app.save_all(Agent(**msgspec.structs.asdict(cmd)))


@retry_on_conflict
def heartbeat(app: KyrosApplication, cmd: Heartbeat) -> tuple[int, list[str]]:
    """Extends the lease of everything the agent holds; returns the submission ids it holds."""
    agent = load_agent(app, cmd.agent_id)
    agent.heartbeat(at=cmd.at, actor=cmd.actor)
    return app.save_all(agent), sorted(agent.held)


def claim_work(app: KyrosApplication, cmd: ClaimWork) -> Claimed | str | None:
    """The first candidate this agent wins, AT_CAPACITY, or None when every one was taken.

    Exactly one claimant: the task's next version can be written once, so a racing claimer
    gets Conflict (or, having loaded the task after the winner, InvalidState) and moves on.
    """
    for submission_id, task_id in cmd.candidates:
        agent = agent_of(app, cmd.agent_id, cmd.actor)
        if agent.at_capacity:
            return AT_CAPACITY
        try:
            task = load_task(app, task_id)
            if task.submission is None or task.submission["role"] != agent.role:
                continue
            task.claim(submission_id=submission_id, agent_id=cmd.agent_id, actor=cmd.actor)
            agent.take(submission_id=submission_id, task_id=task_id, at=cmd.at, actor=cmd.actor)
            position = app.save_all(task, agent)
        except (Conflict, InvalidState, TaskNotFound):
            continue
        return Claimed(
            submission_id=submission_id,
            task_id=task_id,
            role=agent.role,
            model=task.submission["model"],
            lease_expires_at=agent.lease_expires_at(cmd.lease),
            position=position,
            context=task.submission.get("context", {}),
            preferences=task.submission.get("preferences", {}),
        )
    return None
