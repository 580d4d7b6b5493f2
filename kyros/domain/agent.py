"""The Agent aggregate: a registered worker of one role, its heartbeats and the work it holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyros.domain.errors import DomainError, InvalidState, NotFound
from kyros.domain.identity_errors import Forbidden

MAX_CAPACITY = 64


class AgentNotFound(NotFound):
    def __init__(self, agent_id: str) -> None:
        super().__init__(f"Agent {agent_id} is not registered", field="agent_id")


class NotHeld(Forbidden):
    """A claim or report for work that this caller's agent does not hold (any more)."""


class Agent(Aggregate):
    """Times arrive as arguments (`at`), so lease decisions are deterministic and testable.

    A lease is not stored per submission: everything an agent holds stays leased until
    `last_seen + lease`, and every heartbeat or claim moves `last_seen` forward.
    """

    @staticmethod
    def create_id(agent_id: UUID) -> UUID:
        return agent_id

    @event("Registered")
    def __init__(
        self, *, agent_id: UUID, role: str, capacity: int, name: str, at: datetime, actor: str
    ) -> None:
        self.role = role
        self.capacity = capacity
        self.name = name
        self.owner = actor  # the API key or user that registered it; only it may act for it
        self.last_seen = at
        self.held: dict[str, str] = {}  # submission id → task id

    def check_owner(self, actor: str) -> None:
        if actor != self.owner:
            raise Forbidden("This agent was registered by another caller", field="agent_id")

    def check_holds(self, submission_id: str) -> None:
        if submission_id not in self.held:
            raise NotHeld("This agent does not hold the submission", field="submission_id")

    @property
    def at_capacity(self) -> bool:
        return len(self.held) >= self.capacity

    def lease_expires_at(self, lease: timedelta) -> datetime:
        return self.last_seen + lease

    def lease_expired(self, now: datetime, lease: timedelta) -> bool:
        return now > self.last_seen + lease

    def heartbeat(self, *, at: datetime, actor: str) -> None:
        self.check_owner(actor)
        self._heartbeat_received(at=max(at, self.last_seen), actor=actor)

    @event("HeartbeatReceived")
    def _heartbeat_received(self, at: datetime, actor: str) -> None:
        self.last_seen = at

    def take(self, *, submission_id: str, task_id: str, at: datetime, actor: str) -> None:
        self.check_owner(actor)
        if submission_id in self.held:
            raise InvalidState("This agent already holds the submission", field="submission_id")
        if self.at_capacity:
            raise InvalidState(f"The agent is at its capacity of {self.capacity}", field="capacity")
        self._work_claimed(
            submission_id=submission_id, task_id=task_id, at=max(at, self.last_seen), actor=actor
        )

    @event("WorkClaimed")
    def _work_claimed(self, submission_id: str, task_id: str, at: datetime, actor: str) -> None:
        self.held[submission_id] = task_id
        self.last_seen = at

    def release(self, *, submission_id: str, reason: str, actor: str) -> None:
        """Completed, failed, cancelled or expired: the slot is free again. Idempotent."""
        if submission_id in self.held:
            self._work_released(submission_id=submission_id, reason=reason, actor=actor)

    @event("WorkReleased")
    def _work_released(self, submission_id: str, reason: str, actor: str) -> None:
        self.held.pop(submission_id, None)


class AgentUnavailable(DomainError):
    """No live agent can take the work now (only refused when the caller asked for that)."""

    code = "AGENT_UNAVAILABLE"
    status = 503


class SubmissionNotFound(NotFound):
    def __init__(self, submission_id: str) -> None:
        super().__init__(f"Submission {submission_id} does not exist", field="submission_id")
