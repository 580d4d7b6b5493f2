"""Loading the escalation a task carries, to complete it when the approved work finishes or
withdraw it when the task is cancelled (the rules are kyros.domain.escalation_workflow)."""

from __future__ import annotations

from decimal import Decimal

from kyros.commands.loading import Lookup
from kyros.domain import escalation_workflow
from kyros.domain.escalation import Escalation
from kyros.domain.escalation_errors import EscalationNotFound
from kyros.domain.task import Task
from kyros.eventstore.application import KyrosApplication

ESCALATIONS: Lookup[Escalation] = Lookup("esc", EscalationNotFound)


def load_escalation(app: KyrosApplication, escalation_id: str) -> Escalation:
    return ESCALATIONS.load(app, escalation_id)


def complete_escalation(
    app: KyrosApplication, task: Task, actual: Decimal, result: str
) -> list[Escalation]:
    escalation_id = escalation_workflow.approved_run(task)
    if escalation_id is None:
        return []
    escalation = load_escalation(app, escalation_id)
    return escalation_workflow.complete(escalation, actual=actual, result=result)


def withdraw_escalation(
    app: KyrosApplication, task: Task, reason: str, actor: str
) -> list[Escalation]:
    if not task.escalation_pending():
        return []
    escalation = load_escalation(app, task.escalation["id"])  # type: ignore[index]
    return escalation_workflow.withdraw(escalation, reason=reason, actor=actor)
