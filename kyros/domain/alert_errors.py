"""Refusals of alerts: an unknown alert, and an action its status no longer allows."""

from __future__ import annotations

from kyros.domain.errors import DomainError, NotFound


class AlertNotFound(NotFound):
    def __init__(self, alert_id: str) -> None:
        super().__init__(f"Alert {alert_id} does not exist", field="alert_id")


class AlertClosed(DomainError):
    code = "INVALID_STATE"
    status = 409

    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"A {status} alert cannot be {action}", field="status")
