"""The escalation a task carries, seen from the task's side: load it, complete it when the
approved work finishes, withdraw it when the task is cancelled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.commands.loading import Lookup
from kyros.domain.escalation import Escalation
from kyros.domain.escalation_errors import EscalationNotFound
from kyros.domain.task import Task
from kyros.store.application import KyrosApplication

ESCALATIONS: Lookup[Escalation] = Lookup("esc", EscalationNotFound)


def load_escalation(app: KyrosApplication, escalation_id: str) -> Escalation:
    return ESCALATIONS.load(app, escalation_id)


def complete_escalation(
    app: KyrosApplication, task: Task, actual: Decimal, result: str
) -> list[Any]:
    """On completion of work an escalation approved: what the premium run really cost."""
    escalation = task.escalation
    model = (task.submission or {}).get("model")
    if escalation is None or escalation["state"] != "approved" or model != escalation["model"]:
        return []
    found: Escalation = load_escalation(app, escalation["id"])
    if found.status != "approved":
        return []
    found.complete(actual_cost=actual, result=result, actor="system")
    return [found]


def withdraw_escalation(app: KyrosApplication, task: Task, reason: str, actor: str) -> list[Any]:
    """Before a task is cancelled: its pending escalation no longer waits for anyone."""
    if not task.escalation_pending():
        return []
    found = load_escalation(app, task.escalation["id"])  # type: ignore[index]
    if found.status != "pending_approval":
        return []
    found.withdraw(reason=reason, actor=actor)
    return [found]
