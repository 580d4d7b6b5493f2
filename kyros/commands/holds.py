"""Loading who holds a task: the registered agent that claimed its current submission, if
any (the rules of what a holder may do are kyros.domain.holds)."""

from __future__ import annotations

from eventsourcing.application import AggregateNotFoundError

from kyros.domain.agent import Agent
from kyros.domain.holds import Hold
from kyros.domain.task import Task
from kyros.eventstore.application import KyrosApplication
from kyros.ids import parse_id


def holding_agent(app: KyrosApplication, task: Task) -> Hold | None:
    """None for a task in progress under a plain label (a PUT's `assigned_to`) or not at all."""
    submission_id = task.held_submission()
    agent_uuid = parse_id("agent", task.assigned_to or "")
    if task.status != "in_progress" or submission_id is None or agent_uuid is None:
        return None
    try:
        agent: Agent = app.repository.get(agent_uuid)
    except AggregateNotFoundError:
        return None
    return Hold(agent, submission_id) if submission_id in agent.held else None
