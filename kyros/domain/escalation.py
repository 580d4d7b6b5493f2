"""The Escalation aggregate: a request to run one task on the premium model, and its fate."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.escalation_errors import (
    EscalationDecided,
    EscalationExpired,
    SelfApproval,
)

PENDING = "pending_approval"
DECISIONS = ("approved", "rejected")


class Escalation(Aggregate):
    """Every event names the task, so its subscribers need no lookup.

    pending_approval → approved (by a person, or by rule) | rejected | expired | withdrawn;
    approved → completed once the task completes on the target model."""

    @staticmethod
    def create_id(escalation_id: UUID) -> UUID:
        return escalation_id

    @event("Submitted")
    def __init__(
        self,
        *,
        escalation_id: UUID,
        task_id: str,
        original_model: str,
        target_model: str,
        fallback_model: str,
        reason: str,
        context: dict[str, Any],
        estimated_cost: Decimal,
        priority: str,
        confidence: float,
        expires_at: datetime,
        actor: str,
    ) -> None:
        self.task_id = task_id
        self.original_model = original_model
        self.target_model = target_model
        self.fallback_model = fallback_model
        self.estimated_cost = estimated_cost
        self.requester = actor
        self.expires_at = expires_at
        self.status = PENDING
        self.decided_by: str | None = None
        self.overdue_alert: str | None = None

    def hold(self, *, rule: str) -> None:
        """The rules did not approve it: `rule` says which of them asks for a person."""
        self._check_pending()
        self._held_for_approval(task_id=self.task_id, rule=rule, actor="system")

    @event("HeldForApproval")
    def _held_for_approval(self, task_id: str, rule: str, actor: str) -> None:
        pass

    def auto_approve(self, *, rule: str) -> None:
        self._check_pending()
        self._auto_approved(task_id=self.task_id, rule=rule, actor="system")

    @event("AutoApproved")
    def _auto_approved(self, task_id: str, rule: str, actor: str) -> None:
        self.status = "approved"
        self.decided_by = actor

    def decide(
        self, *, decision: str, reason: str | None, comments: str | None, now: datetime, actor: str
    ) -> None:
        """Never by the requester; never twice; never after the escalation expired."""
        if decision not in DECISIONS:
            raise DomainError(f"Must be one of: {', '.join(DECISIONS)}", field="decision")
        self._check_pending()
        if now >= self.expires_at:
            raise EscalationExpired()
        if actor == self.requester:
            raise SelfApproval()
        if decision == "approved":
            self._approved(task_id=self.task_id, reason=reason, comments=comments, actor=actor)
        else:
            self._rejected(task_id=self.task_id, reason=reason, comments=comments, actor=actor)

    @event("Approved")
    def _approved(self, task_id: str, reason: str | None, comments: str | None, actor: str) -> None:
        self.status = "approved"
        self.decided_by = actor

    @event("Rejected")
    def _rejected(self, task_id: str, reason: str | None, comments: str | None, actor: str) -> None:
        self.status = "rejected"
        self.decided_by = actor

    def is_overdue(self, now: datetime) -> bool:
        return self.status == PENDING and now >= self.expires_at

    def expire(self, *, now: datetime) -> None:
        """Only a pending escalation past its deadline expires."""
        self._check_pending()
        if now < self.expires_at:
            raise InvalidState("The escalation is not past its deadline yet", field="expires_at")
        self._expired(task_id=self.task_id, actor="system")

    @event("Expired")
    def _expired(self, task_id: str, actor: str) -> None:
        self.status = "expired"

    def awaits_overdue_alert(self) -> bool:
        return self.status == PENDING and self.overdue_alert is None

    def flag_overdue(self, *, alert_id: str) -> None:
        """Records the one `escalation_pending` alert raised for this escalation."""
        if not self.awaits_overdue_alert():
            raise EscalationDecided(self.status)
        self._flagged_overdue(task_id=self.task_id, alert_id=alert_id, actor="system")

    @event("FlaggedOverdue")
    def _flagged_overdue(self, task_id: str, alert_id: str, actor: str) -> None:
        self.overdue_alert = alert_id

    def withdraw(self, *, reason: str, actor: str) -> None:
        """The task was cancelled while the escalation waited for a decision."""
        self._check_pending()
        self._withdrawn(task_id=self.task_id, reason=reason, actor=actor)

    @event("Withdrawn")
    def _withdrawn(self, task_id: str, reason: str, actor: str) -> None:
        self.status = "withdrawn"

    def complete(self, *, actual_cost: Decimal, result: str, actor: str) -> None:
        """The approved work finished on the premium model: what it really cost."""
        if self.status != "approved":
            raise EscalationDecided(self.status)
        self._completed(task_id=self.task_id, actual_cost=actual_cost, result=result, actor=actor)

    @event("Completed")
    def _completed(self, task_id: str, actual_cost: Decimal, result: str, actor: str) -> None:
        self.status = "completed"

    def _check_pending(self) -> None:
        if self.status != PENDING:
            raise EscalationDecided(self.status)


def escalation_day_id(day: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"kyros:escalations:{day.isoformat()}")


class EscalationDay(Aggregate):
    """Counts one UTC day's escalations; saved with each, so the daily maximum is exact."""

    @staticmethod
    def create_id(day: str) -> UUID:
        return escalation_day_id(date.fromisoformat(day))

    @event("Opened")
    def __init__(self, *, day: str) -> None:
        self.day = day
        self.count = 0

    def record(self, *, escalation_id: str) -> None:
        self._counted(escalation_id=escalation_id)

    @event("Counted")
    def _counted(self, escalation_id: str) -> None:
        self.count += 1
