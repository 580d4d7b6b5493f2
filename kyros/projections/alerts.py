"""The alerts read model: one row per alert, with who acknowledged and resolved it, and when."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps
from kyros.projections.rowset import RowSet
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
        """Folds the page into the alerts it touches (one SELECT), writes each once."""
        handled = [
            (handler, event, public_id("alert", event.originator_id))
            for _, event in page
            if (handler := _HANDLERS.get(type(event).__qualname__)) is not None
        ]
        if not handled:
            return
        rows = RowSet("rm_alerts", "id", _COLUMNS)
        rows.load(tx, [alert_id for h, _, alert_id in handled if h is not _raised])
        for handler, event, alert_id in handled:
            handler(rows, event, alert_id)
        rows.flush(tx)


_COLUMNS = (
    "id",
    "type",
    "severity",
    "status",
    "message",
    "details",
    "created_at",
    "acknowledged_at",
    "acknowledged_by",
    "acknowledgement_note",
    "resolved_at",
    "resolved_by",
    "resolution_note",
)


def _raised(rows: RowSet, e: Any, alert_id: str) -> None:
    row = dict.fromkeys(_COLUMNS)
    row.update(
        id=alert_id,
        type=e.alert_type,
        severity=e.severity,
        status="active",
        message=e.message,
        details=dumps(e.details),
        created_at=sortable(e.timestamp),
    )
    rows.put(row)


def _acknowledged(rows: RowSet, e: Any, alert_id: str) -> None:
    row = rows.get(alert_id)
    if row is not None:
        row.update(
            status="acknowledged",
            acknowledged_at=sortable(e.timestamp),
            acknowledged_by=e.actor,
            acknowledgement_note=e.note,
        )


def _resolved(rows: RowSet, e: Any, alert_id: str) -> None:
    row = rows.get(alert_id)
    if row is not None:
        row.update(
            status="resolved",
            resolved_at=sortable(e.timestamp),
            resolved_by=e.actor,
            resolution_note=e.note,
        )


_HANDLERS = {
    "Alert.Raised": _raised,
    "Alert.Acknowledged": _acknowledged,
    "Alert.Resolved": _resolved,
}
