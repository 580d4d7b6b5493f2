"""Refusals of the escalation workflow."""

from __future__ import annotations

from kyros.domain.errors import DomainError, NotFound
from kyros.domain.identity_errors import Forbidden


class EscalationNotFound(NotFound):
    def __init__(self, escalation_id: str) -> None:
        super().__init__(f"Escalation {escalation_id} does not exist", field="escalation_id")


class EscalationDecided(DomainError):
    """A decision on an escalation that is no longer waiting for one."""

    code = "ESCALATION_ALREADY_DECIDED"
    status = 409

    def __init__(self, status: str) -> None:
        super().__init__(f"The escalation is already {status}", field="decision")


class EscalationExpired(DomainError):
    code = "ESCALATION_EXPIRED"
    status = 409

    def __init__(self) -> None:
        super().__init__("The escalation expired before a decision", field="decision")


class SelfApproval(Forbidden):
    def __init__(self) -> None:
        super().__init__("The requester of an escalation cannot decide it", field="decision")


class EscalationPending(DomainError):
    """A second escalation of a task whose first still waits for a decision."""

    code = "ESCALATION_PENDING"
    status = 409

    def __init__(self, escalation_id: str) -> None:
        super().__init__(f"Escalation {escalation_id} is still pending", field="task_id")


class EscalationRejected(DomainError):
    """The spec's code for an escalation that no decision could allow (a hard budget)."""

    code = "ESCALATION_REJECTED"
    status = 400
