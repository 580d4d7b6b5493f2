"""Loading what commands decide over: an aggregate by its public id (`task_…`), with the
resource's not-found error; who holds a task; the system configuration as the log has it.
(Budgets and their ledgers load in kyros.commands.spending.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from eventsourcing.application import AggregateNotFoundError

from kyros.domain.agent import Agent, AgentNotFound
from kyros.domain.configuration import CONFIGURATION_ID, with_defaults
from kyros.domain.errors import TaskNotFound
from kyros.domain.escalation import Escalation
from kyros.domain.escalation_errors import EscalationNotFound
from kyros.domain.holds import Hold
from kyros.domain.task import Task
from kyros.eventstore.application import KyrosApplication
from kyros.ids import parse_id

A = TypeVar("A")


@dataclass(frozen=True)
class Lookup(Generic[A]):
    """A malformed id and an unknown one are the same answer: `missing(public_id)`."""

    prefix: str
    missing: Callable[[str], Exception]

    def load(self, app: KyrosApplication, public_id: str) -> A:
        uuid = parse_id(self.prefix, public_id)
        if uuid is None:
            raise self.missing(public_id)
        loaded: A = app.load(uuid, lambda: self.missing(public_id))
        return loaded


TASKS: Lookup[Task] = Lookup("task", TaskNotFound)
AGENTS: Lookup[Agent] = Lookup("agent", AgentNotFound)
ESCALATIONS: Lookup[Escalation] = Lookup("esc", EscalationNotFound)


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


def load_settings(app: KyrosApplication) -> dict[str, dict[str, Any]]:
    """Every section of the configuration, missing settings at their defaults."""
    try:
        return with_defaults(app.repository.get(CONFIGURATION_ID).settings)
    except AggregateNotFoundError:
        return with_defaults({})
