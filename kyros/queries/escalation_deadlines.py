"""What the scheduler looks for among pending escalations: past their deadline, or waiting
long enough to be flagged. Candidates only; the commands re-check against the log."""

from __future__ import annotations

from kyros.store.database import Database

_BATCH = 100


def expired_escalations(db: Database, now: str) -> list[str]:
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT id FROM rm_escalations WHERE status = 'pending_approval' AND expires_at <= ?"
            " ORDER BY expires_at LIMIT ?",
            (now, _BATCH),
        ).fetchall()
    return [row["id"] for row in rows]


def unflagged_escalations(db: Database, submitted_before: str) -> list[str]:
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT id FROM rm_escalations WHERE status = 'pending_approval'"
            " AND overdue_alert IS NULL AND submitted_at <= ? ORDER BY submitted_at LIMIT ?",
            (submitted_before, _BATCH),
        ).fetchall()
    return [row["id"] for row in rows]
