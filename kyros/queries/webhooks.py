"""Webhook queries: endpoints from the webhooks read model, deliveries from the outbox."""

from __future__ import annotations

from typing import Any

from kyros.projections.jsondoc import loads
from kyros.readstore.database import Database, Row
from kyros.timefmt import from_sortable, iso

_WEBHOOK = (
    "SELECT w.*, (SELECT MAX(d.last_attempt_at) FROM webhook_deliveries d"
    " WHERE d.webhook_id = w.id) AS last_triggered FROM rm_webhooks w"
)
_DELIVERY_COLUMNS = (
    "id, webhook_id, message_id, event_type, position, status, attempts, created_at,"
    " next_attempt_at, last_attempt_at, last_status_code, last_error, completed_at,"
    " redelivery_of, requested_by"
)


def _time(value: str | None) -> str | None:
    return iso(from_sortable(value)) if value else None


def webhook_view(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "events": loads(row["events"]),
        "description": row["description"],
        "status": row["status"],
        "disabled_reason": row["disabled_reason"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "last_triggered": _time(row["last_triggered"]),
        "secret_rotated_at": row["secret_rotated_at"],
        "previous_secret_expires_at": row["previous_secret_expires_at"],
    }


def get_webhook(db: Database, webhook_id: str) -> dict[str, Any] | None:
    with db.transaction(write=False) as tx:
        row = tx.execute(f"{_WEBHOOK} WHERE w.id = ? AND w.deleted = 0", (webhook_id,)).fetchone()
    return webhook_view(row) if row else None


def list_webhooks(db: Database) -> list[dict[str, Any]]:
    with db.transaction(write=False) as tx:
        rows = tx.execute(f"{_WEBHOOK} WHERE w.deleted = 0 ORDER BY w.created_at, w.id").fetchall()
    return [webhook_view(r) for r in rows]


def delivery_view(row: Row, attempts: list[Row]) -> dict[str, Any]:
    pending = row["status"] == "pending"
    return {
        "id": row["id"],
        "webhook_id": row["webhook_id"],
        "message_id": row["message_id"],
        "event_type": row["event_type"],
        "position": row["position"],
        "status": row["status"],
        "attempts": row["attempts"],
        "created_at": _time(row["created_at"]),
        "next_attempt_at": _time(row["next_attempt_at"]) if pending else None,
        "last_attempt_at": _time(row["last_attempt_at"]),
        "last_status_code": row["last_status_code"],
        "last_error": row["last_error"],
        "completed_at": _time(row["completed_at"]),
        "redelivery_of": row["redelivery_of"],
        "requested_by": row["requested_by"],
        "attempt_log": [
            {
                "attempt": a["attempt"],
                "started_at": _time(a["started_at"]),
                "status_code": a["status_code"],
                "latency_ms": a["duration_ms"],
                "error": a["error"],
                "response_body": a["response_body"],
                "response_truncated": bool(a["response_truncated"]),
            }
            for a in attempts
        ],
    }


def list_deliveries(
    db: Database, webhook_id: str, status: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Newest first, each with its attempts (status code, latency, truncated response)."""
    where, params = "webhook_id = ?", [webhook_id]
    if status is not None:
        where, params = f"{where} AND status = ?", [*params, status]
    with db.transaction(write=False) as tx:
        total = tx.execute(
            f"SELECT COUNT(*) AS n FROM webhook_deliveries WHERE {where}", params
        ).fetchone()
        rows = tx.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE {where}"
            " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        attempts = _attempts(tx, [r["id"] for r in rows])
    views = [delivery_view(r, attempts.get(r["id"], [])) for r in rows]
    return views, int(total["n"]) if total else 0


def get_delivery(db: Database, webhook_id: str, delivery_id: str) -> dict[str, Any] | None:
    with db.transaction(write=False) as tx:
        row = tx.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ? AND webhook_id = ?",
            (delivery_id, webhook_id),
        ).fetchone()
        attempts = _attempts(tx, [delivery_id]) if row else {}
    return delivery_view(row, attempts.get(delivery_id, [])) if row else None


def _attempts(tx: Any, ids: list[str]) -> dict[str, list[Row]]:
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = tx.execute(
        f"SELECT * FROM webhook_attempts WHERE delivery_id IN ({marks})"
        " ORDER BY delivery_id, attempt",
        ids,
    ).fetchall()
    found: dict[str, list[Row]] = {}
    for row in rows:
        found.setdefault(row["delivery_id"], []).append(row)
    return found
