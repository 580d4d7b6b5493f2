"""What the scheduler looks for among pending escalations: past their deadline, or waiting
long enough to be flagged. Candidates only; the commands re-check against the log."""

from __future__ import annotations

from kyros.readstore.database import Database

_BATCH = 100


def expired_escalations(db: Database, now: str) -> list[str]:
    return _pending(db, "expires_at <= ?", "expires_at", now)


def unflagged_escalations(db: Database, submitted_before: str) -> list[str]:
    return _pending(
        db, "overdue_alert IS NULL AND submitted_at <= ?", "submitted_at", submitted_before
    )


def _pending(db: Database, condition: str, order: str, bound: str) -> list[str]:
    """`condition` and `order` are fixed SQL from this module, never caller input."""
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            f"SELECT id FROM rm_escalations WHERE status = 'pending_approval' AND {condition}"
            f" ORDER BY {order} LIMIT ?",
            (bound, _BATCH),
        ).fetchall()
    return [row["id"] for row in rows]
