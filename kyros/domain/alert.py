"""The Alert aggregate: something an operator should know of, until they resolve it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyros.domain.alert_errors import AlertClosed

ALERT_TYPES = ("cost_overrun", "budget_threshold", "escalation_pending", "projection_failed")
SEVERITIES = ("info", "warning", "error", "critical")
STATUSES = ("active", "acknowledged", "resolved")


class Alert(Aggregate):
    """active → acknowledged → resolved, or active → resolved. Whoever raises one has
    recorded that it did (a ledger's crossing, an escalation's overdue flag), so each fact
    raises at most one alert."""

    @staticmethod
    def create_id(alert_id: UUID) -> UUID:
        return alert_id

    @event("Raised")
    def __init__(
        self,
        *,
        alert_id: UUID,
        alert_type: str,
        severity: str,
        message: str,
        details: dict[str, Any],
        actor: str,
    ) -> None:
        self.alert_type = alert_type
        self.severity = severity
        self.status = "active"

    def acknowledge(self, *, note: str | None, actor: str) -> None:
        if self.status != "active":
            raise AlertClosed(self.status, "acknowledged")
        self._acknowledged(note=note, actor=actor)

    @event("Acknowledged")
    def _acknowledged(self, note: str | None, actor: str) -> None:
        self.status = "acknowledged"

    def resolve(self, *, note: str | None, actor: str) -> None:
        if self.status == "resolved":
            raise AlertClosed(self.status, "resolved")
        self._resolved(note=note, actor=actor)

    @event("Resolved")
    def _resolved(self, note: str | None, actor: str) -> None:
        self.status = "resolved"
