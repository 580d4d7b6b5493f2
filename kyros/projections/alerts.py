"""The alerts read model: one row per alert, with who acknowledged and resolved it, and when."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps
from kyros.readstore.database import Cursor
from kyros.timefmt import sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_alerts (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL,
        details TEXT NOT NULL,
        created_at TEXT NOT NULL,
        acknowledged_at TEXT,
        acknowledged_by TEXT,
        acknowledgement_note TEXT,
        resolved_at TEXT,
        resolved_by TEXT,
        resolution_note TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_alerts_created ON rm_alerts (created_at, id)",
    "CREATE INDEX IF NOT EXISTS rm_alerts_status ON rm_alerts (status, created_at)",
)


class AlertsProjection:
    """Times are sortable text; `details` is JSON with exact decimals."""

    name = "alerts"
    consumes = frozenset({"Alert.Raised", "Alert.Acknowledged", "Alert.Resolved"})

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_alerts")

    def apply(self, tx: Cursor, page: Page) -> None:
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is not None:
                handler(tx, event, public_id("alert", event.originator_id))


def _raised(tx: Cursor, e: Any, alert_id: str) -> None:
    tx.execute("DELETE FROM rm_alerts WHERE id = ?", (alert_id,))
    tx.execute(
        "INSERT INTO rm_alerts (id, type, severity, status, message, details, created_at)"
        " VALUES (?, ?, ?, 'active', ?, ?, ?)",
        (
            alert_id,
            e.alert_type,
            e.severity,
            e.message,
            dumps(e.details),
            sortable(e.timestamp),
        ),
    )


def _acknowledged(tx: Cursor, e: Any, alert_id: str) -> None:
    tx.execute(
        "UPDATE rm_alerts SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?,"
        " acknowledgement_note = ? WHERE id = ?",
        (sortable(e.timestamp), e.actor, e.note, alert_id),
    )


def _resolved(tx: Cursor, e: Any, alert_id: str) -> None:
    tx.execute(
        "UPDATE rm_alerts SET status = 'resolved', resolved_at = ?, resolved_by = ?,"
        " resolution_note = ? WHERE id = ?",
        (sortable(e.timestamp), e.actor, e.note, alert_id),
    )


_HANDLERS = {
    "Alert.Raised": _raised,
    "Alert.Acknowledged": _acknowledged,
    "Alert.Resolved": _resolved,
}
