"""Alert queries over the alerts read model."""

from __future__ import annotations

from typing import Any

import msgspec

from kyros.ids import parse_id
from kyros.projections.jsondoc import loads
from kyros.readstore.database import Database, Row
from kyros.timefmt import from_sortable, iso


class AlertFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Each tuple is OR within itself; filters AND together."""

    status: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    limit: int = 50
    offset: int = 0


def _time(value: str | None) -> str | None:
    return iso(from_sortable(value)) if value else None


def alert_view(row: Row) -> dict[str, Any]:
    """The spec's alert, plus who acknowledged and resolved it and their notes."""
    return {
        "id": row["id"],
        "type": row["type"],
        "severity": row["severity"],
        "status": row["status"],
        "message": row["message"],
        "details": loads(row["details"]),
        "created_at": _time(row["created_at"]),
        "acknowledged_at": _time(row["acknowledged_at"]),
        "acknowledged_by": row["acknowledged_by"],
        "acknowledgement_note": row["acknowledgement_note"],
        "resolved_at": _time(row["resolved_at"]),
        "resolved_by": row["resolved_by"],
        "resolution_note": row["resolution_note"],
    }


def get_alert(db: Database, alert_id: str) -> dict[str, Any] | None:
    """None for an unknown id, and for a malformed one without asking the database."""
    if parse_id("alert", alert_id) is None:
        return None
    with db.transaction(write=False) as tx:
        row = tx.execute("SELECT * FROM rm_alerts WHERE id = ?", (alert_id,)).fetchone()
    return alert_view(row) if row else None


def list_alerts(db: Database, f: AlertFilter) -> tuple[list[dict[str, Any]], int]:
    """One page, newest first, and the total matching count."""
    where: list[str] = []
    params: list[Any] = []
    for column in ("status", "severity", "type"):
        values = getattr(f, column)
        if values:
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    with db.transaction(write=False) as tx:
        total = tx.execute(f"SELECT COUNT(*) AS n FROM rm_alerts {condition}", params).fetchone()
        rows = tx.execute(
            f"SELECT * FROM rm_alerts {condition} ORDER BY created_at DESC, id DESC"
            " LIMIT ? OFFSET ?",
            [*params, f.limit, f.offset],
        ).fetchall()
    return [alert_view(r) for r in rows], int(total["n"]) if total else 0


def open_alert_counts(db: Database) -> dict[str, Any]:
    """Alerts not yet resolved, for the health report: by status and by severity."""
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT status, severity, COUNT(*) AS n FROM rm_alerts"
            " WHERE status <> 'resolved' GROUP BY status, severity"
        ).fetchall()
    counts: dict[str, Any] = {"active": 0, "acknowledged": 0, "by_severity": {}}
    for row in rows:
        counts[row["status"]] += row["n"]
        by_severity = counts["by_severity"]
        by_severity[row["severity"]] = by_severity.get(row["severity"], 0) + row["n"]
    return counts
