"""The dispatcher's reads and writes on the outbox tables (synchronous; run in a thread)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kyros.readstore.database import Database, Row
from kyros.timefmt import sortable
from kyros.webhooks.sender import Attempt

_DUE = (
    "SELECT d.id, d.webhook_id, d.message_id, d.payload, d.attempts, d.created_at,"
    " e.url, e.sealed_secret, e.previous_sealed_secret, e.previous_expires_at"
    " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.webhook_id = d.webhook_id"
    " WHERE d.status = 'pending' AND e.status = 'active' AND d.next_attempt_at <= ?"
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where a delivery stands after an attempt."""

    status: str  # delivered | pending | failed
    next_attempt_at: datetime | None
    error: str | None


def due_endpoints(db: Database, moment: datetime) -> list[str]:
    """Active endpoints with at least one delivery due now."""
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT DISTINCT d.webhook_id FROM webhook_deliveries d"
            " JOIN webhook_endpoints e ON e.webhook_id = d.webhook_id"
            " WHERE d.status = 'pending' AND e.status = 'active' AND d.next_attempt_at <= ?",
            (sortable(moment),),
        ).fetchall()
    return [r["webhook_id"] for r in rows]


def due_for(db: Database, webhook_id: str, moment: datetime, limit: int) -> list[Row]:
    """One endpoint's due deliveries, oldest due first."""
    with db.transaction(write=False) as tx:
        return tx.execute(
            f"{_DUE} AND d.webhook_id = ? ORDER BY d.next_attempt_at, d.id LIMIT ?",
            (sortable(moment), webhook_id, limit),
        ).fetchall()


def record(db: Database, row: Row, started: datetime, attempt: Attempt, outcome: Outcome) -> None:
    """The attempt's log line and the delivery's new state, in one transaction."""
    number = int(row["attempts"]) + 1
    done = outcome.status != "pending"
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, webhook_id, started_at,"
            " duration_ms, status_code, error, response_body, response_truncated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, attempt) DO NOTHING",
            (
                row["id"],
                number,
                row["webhook_id"],
                sortable(started),
                attempt.duration_ms,
                attempt.status_code,
                attempt.error,
                attempt.body,
                int(attempt.truncated),
            ),
        )
        tx.execute(
            "UPDATE webhook_deliveries SET attempts = ?, status = ?, next_attempt_at = ?,"
            " last_attempt_at = ?, last_status_code = ?, last_error = ?, completed_at = ?"
            " WHERE id = ? AND status = 'pending'",
            (
                number,
                outcome.status,
                sortable(outcome.next_attempt_at),
                sortable(started),
                attempt.status_code,
                outcome.error,
                sortable(started + timedelta(milliseconds=attempt.duration_ms)) if done else None,
                row["id"],
            ),
        )


def cancel_pending(db: Database, webhook_id: str | None = None) -> int:
    """Pending deliveries of disabled or deleted endpoints (or of one endpoint) are cancelled."""
    if webhook_id is not None:
        where, params = "webhook_id = ?", (webhook_id,)
    else:
        where = (
            "webhook_id IN (SELECT webhook_id FROM webhook_endpoints"
            " WHERE status IN ('disabled', 'deleted'))"
        )
        params = ()
    with db.transaction() as tx:
        tx.execute(
            f"UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL"
            f" WHERE status = 'pending' AND {where}",
            params,
        )
        return tx.rowcount


def recent_attempts(db: Database, webhook_id: str, since: datetime) -> list[str]:
    """Start times (sortable) of an endpoint's attempts since `since`: seeds its rate window
    when a dispatcher takes over, so a failover does not reset the per-minute limit."""
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT started_at FROM webhook_attempts WHERE webhook_id = ? AND started_at > ?"
            " ORDER BY started_at",
            (webhook_id, sortable(since)),
        ).fetchall()
    return [r["started_at"] for r in rows]
