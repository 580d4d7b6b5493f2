"""The Task aggregate: a unit of software work and every step of its life, as events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.escalation_errors import EscalationPending
from kyros.domain.task_status import TERMINAL, check_transition

_REQUEUED_FROM = {
    "approved": "awaiting_approval",
    "rejected": "awaiting_approval",
    "escalation_expired": "awaiting_approval",
    "lease_expired": "in_progress",
    "retry": "failed",
}
# Requeue reasons that settle the task's escalation, and how.
_ESCALATION_OUTCOME = {
    "approved": "approved",
    "rejected": "rejected",
    "escalation_expired": "expired",
}
_ESCALATABLE = ("pending", "waiting", "queued", "failed", "awaiting_approval")

EDITABLE_FIELDS = (
    "title",
    "description",
    "task_type",
    "priority",
    "assignee_role",
    "files_to_modify",
    "acceptance_criteria",
    "dependencies",
    "tags",
    "deadline",
    "metadata",
)


class Task(Aggregate):
    """Events carry the actor; the event machinery stamps the time."""

    @staticmethod
    def create_id(task_id: UUID) -> UUID:
        """New ids arrive in the command, so creating a task is deterministic."""
        return task_id

    @event("Created")
    def __init__(
        self,
        *,
        task_id: UUID,
        title: str,
        description: str,
        task_type: str,
        priority: str,
        assignee_role: str | None,
        files_to_modify: list[str],
        acceptance_criteria: list[str],
        dependencies: list[str],
        tags: list[str],
        deadline: datetime | None,
        metadata: dict[str, Any],
        actor: str,
    ) -> None:
        self.title = title
        self.description = description
        self.task_type = task_type
        self.priority = priority
        self.assignee_role = assignee_role
        self.files_to_modify = files_to_modify
        self.acceptance_criteria = acceptance_criteria
        self.dependencies = dependencies
        self.tags = tags
        self.deadline = deadline
        self.metadata = metadata
        self.created_by = actor
        self.status = "pending"
        self.assigned_to: str | None = None
        self.submission: dict[str, Any] | None = None
        # {"id", "state", "model"} of the latest escalation; state "pending" blocks dispatch.
        self.escalation: dict[str, Any] | None = None
        # {"ledgers", "amount", "model"} while budgets hold this task's estimated cost.
        self.reservation: dict[str, Any] | None = None

    def update(self, fields: dict[str, Any], *, actor: str) -> None:
        """Records only what really changes; an update that changes nothing records nothing."""
        self.check_not_finished("update")
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            raise DomainError(f"{sorted(unknown)[0]} cannot be updated", field=sorted(unknown)[0])
        changes = {
            name: {"old": getattr(self, name), "new": value}
            for name, value in fields.items()
            if getattr(self, name) != value
        }
        if changes:
            self._updated(changes=changes, actor=actor)

    @event("Updated")
    def _updated(self, changes: dict[str, dict[str, Any]], actor: str) -> None:
        for name, change in changes.items():
            setattr(self, name, change["new"])

    def submit(
        self,
        *,
        submission_id: str,
        role: str,
        model: str,
        premium: bool,
        estimated_cost: Any,
        estimated_duration: int,
        waiting_on: list[str],
        actor: str,
        context: dict[str, Any] | None = None,
        preferences: dict[str, Any] | None = None,
    ) -> None:
        """`context` and `preferences` are the submitter's, handed to the claiming agent.
        A premium model, or an escalation still pending, holds the work for a decision."""
        held = premium or self.escalation_pending()
        target = "waiting" if waiting_on else "awaiting_approval" if held else "queued"
        check_transition(self.status, target)
        self._submitted(
            submission_id=submission_id,
            role=role,
            model=model,
            premium=premium,
            estimated_cost=estimated_cost,
            estimated_duration=estimated_duration,
            waiting_on=waiting_on,
            status=target,
            actor=actor,
            context=context,
            preferences=preferences,
        )

    @event("Submitted")
    def _submitted(
        self,
        submission_id: str,
        role: str,
        model: str,
        premium: bool,
        estimated_cost: Any,
        estimated_duration: int,
        waiting_on: list[str],
        status: str,
        actor: str,
        context: dict[str, Any] | None = None,
        preferences: dict[str, Any] | None = None,
    ) -> None:
        self.submission = {
            "submission_id": submission_id,
            "role": role,
            "model": model,
            "premium": premium,
            "estimated_cost": estimated_cost,
            "submitted_by": actor,
            "retries": 0,
            "context": context or {},
            "preferences": preferences or {},
        }
        self.status = status
        self.assigned_to = None

    def release_waiting(self, *, actor: str) -> None:
        """Its dependencies are complete: on to approval (premium) or to the role's queue."""
        if self.status != "waiting" or self.submission is None:
            raise InvalidState(f"A {self.status} task is not waiting", field="status")
        held = self.submission["premium"] or self.escalation_pending()
        self._dependencies_met(status="awaiting_approval" if held else "queued", actor=actor)

    @event("DependenciesMet")
    def _dependencies_met(self, status: str, actor: str) -> None:
        self.status = status

    def escalation_pending(self) -> bool:
        return self.escalation is not None and self.escalation["state"] == "pending"

    def check_escalatable(self) -> None:
        """Queued or failed work waits for the decision; pending or waiting work keeps its
        status and waits at dispatch; awaiting_approval work gets its first escalation."""
        self.check_not_finished("be escalated")
        if self.escalation_pending():
            raise EscalationPending(self.escalation["id"])  # type: ignore[index]
        if self.status not in _ESCALATABLE:
            issue = f"A {self.status} task cannot be escalated; wait until it completes or fails"
            raise InvalidState(issue, field="task_id")

    def request_escalation(self, *, escalation_id: str, model: str, actor: str) -> None:
        self.check_escalatable()
        self._escalation_requested(escalation_id=escalation_id, model=model, actor=actor)

    @event("EscalationRequested")
    def _escalation_requested(self, escalation_id: str, model: str, actor: str) -> None:
        self.escalation = {"id": escalation_id, "state": "pending", "model": model}
        if self.status in ("queued", "failed"):
            self.status = "awaiting_approval"
            self.assigned_to = None

    def resolve_escalation(self, *, outcome: str, model: str, actor: str) -> None:
        """The decision on an escalation of work not yet dispatched (pending or waiting): a
        waiting submission will run on `model`; an approval also lets a later submission
        run on the target model without asking again."""
        if not self.escalation_pending() or self.status not in ("pending", "waiting"):
            raise InvalidState(f"A {self.status} task has no escalation to resolve", field="status")
        self._escalation_resolved(outcome=outcome, model=model, actor=actor)

    @event("EscalationResolved")
    def _escalation_resolved(self, outcome: str, model: str, actor: str) -> None:
        self.escalation = {**(self.escalation or {}), "state": outcome}
        if self.submission is not None:
            self.submission = {**self.submission, "model": model, "premium": False}

    def preapproved_model(self) -> str | None:
        """The target of an approved escalation that no submission has used yet."""
        escalation = self.escalation
        if escalation is None or escalation["state"] != "approved" or self.submission:
            return None
        return str(escalation["model"])

    def reserve_cost(self, *, ledgers: list[str], amount: Any, model: str, actor: str) -> None:
        if self.reservation is not None:
            raise InvalidState("The task already holds a budget reservation", field="status")
        self._cost_reserved(ledgers=ledgers, amount=amount, model=model, actor=actor)

    @event("CostReserved")
    def _cost_reserved(self, ledgers: list[str], amount: Any, model: str, actor: str) -> None:
        self.reservation = {"ledgers": ledgers, "amount": amount, "model": model}

    def close_reservation(self, *, outcome: str, actual: Any, actor: str) -> None:
        """`settled` at the actual cost on completion, `released` on failure or cancellation."""
        if self.reservation is None:
            raise InvalidState("The task holds no budget reservation", field="status")
        self._reservation_closed(outcome=outcome, actual=actual, actor=actor)

    @event("ReservationClosed")
    def _reservation_closed(self, outcome: str, actual: Any, actor: str) -> None:
        self.reservation = None

    def requeue(self, *, model: str, reason: str, actor: str) -> None:
        """Back to the role's queue, on `model`: `approved` (from awaiting_approval),
        `lease_expired` (from in_progress) or `retry` (from failed, counted)."""
        source = _REQUEUED_FROM.get(reason)
        if source is None:
            allowed = ", ".join(_REQUEUED_FROM)
            raise DomainError(f"Unknown reason; one of: {allowed}", field="reason")
        if self.status != source or self.submission is None:
            issue = f"A {self.status} task cannot be requeued ({reason})"
            raise InvalidState(issue, field="status")
        self._requeued(model=model, reason=reason, actor=actor)

    @event("Requeued")
    def _requeued(self, model: str, reason: str, actor: str) -> None:
        retries = self.submission["retries"] + (reason == "retry")  # type: ignore[index]
        self.submission = {**(self.submission or {}), "model": model, "retries": retries}
        self.status = "queued"
        self.assigned_to = None
        outcome = _ESCALATION_OUTCOME.get(reason)
        if outcome is not None and self.escalation is not None:
            self.escalation = {**self.escalation, "state": outcome}

    def claim(self, *, submission_id: str, agent_id: str, actor: str) -> None:
        """The one transition that hands queued work to an agent; the version decides races."""
        if self.status != "queued" or self.held_submission() != submission_id:
            raise InvalidState("The submission is no longer queued", field="submission_id")
        self._assigned(agent_id=agent_id, actor=actor)

    def held_submission(self) -> str | None:
        return None if self.submission is None else self.submission["submission_id"]

    def is_held_by(self, submission_id: str, agent_id: str) -> bool:
        return (
            self.status == "in_progress"
            and self.held_submission() == submission_id
            and self.assigned_to == agent_id
        )

    def assign(self, *, agent_id: str, actor: str) -> None:
        check_transition(self.status, "in_progress")
        self._assigned(agent_id=agent_id, actor=actor)

    @event("Assigned")
    def _assigned(self, agent_id: str, actor: str) -> None:
        self.assigned_to = agent_id
        self.status = "in_progress"

    def report_progress(
        self, *, completed_steps: int, total_steps: int, current_step: str | None, actor: str
    ) -> None:
        if self.status != "in_progress":
            raise InvalidState(
                f"Progress can only be reported on a task in progress, not {self.status}",
                field="progress",
            )
        if total_steps < 1:
            raise DomainError("must be at least 1", field="progress.total_steps")
        if not 0 <= completed_steps <= total_steps:
            raise DomainError("must be between 0 and total_steps", field="progress.completed_steps")
        self._progress_reported(
            completed_steps=completed_steps,
            total_steps=total_steps,
            current_step=current_step,
            actor=actor,
        )

    @event("ProgressReported")
    def _progress_reported(
        self, completed_steps: int, total_steps: int, current_step: str | None, actor: str
    ) -> None:
        pass

    def complete(
        self,
        *,
        results: dict[str, Any],
        feedback: str | None,
        usage: dict[str, Any] | None,
        actor: str,
    ) -> None:
        check_transition(self.status, "completed")
        self._completed(results=results, feedback=feedback, usage=usage, actor=actor)

    @event("Completed")
    def _completed(
        self,
        results: dict[str, Any],
        feedback: str | None,
        usage: dict[str, Any] | None,
        actor: str,
    ) -> None:
        self.status = "completed"

    def fail(self, *, error: str, actor: str) -> None:
        check_transition(self.status, "failed")
        self._failed(error=error, actor=actor)

    @event("Failed")
    def _failed(self, error: str, actor: str) -> None:
        self.status = "failed"

    def cancel(self, *, reason: str | None, actor: str) -> None:
        check_transition(self.status, "cancelled")
        self._cancelled(reason=reason, actor=actor)

    @event("Cancelled")
    def _cancelled(self, reason: str | None, actor: str) -> None:
        self.status = "cancelled"
        if self.escalation_pending():
            self.escalation = {**self.escalation, "state": "withdrawn"}  # type: ignore[dict-item]

    def check_not_finished(self, action: str) -> None:
        if self.status in TERMINAL:
            raise InvalidState(f"A {self.status} task cannot {action}", field="status")
