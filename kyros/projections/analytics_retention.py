"""monitoring.metrics_retention_days: dated analytics facts older than it leave the read model."""

from __future__ import annotations

from datetime import datetime

from kyros.readstore.database import Cursor, Database
from kyros.timefmt import from_sortable, sortable

# Not cleared by a rebuild (it is a decision, not history): facts dated before the horizon
# are not brought back, though the log keeps every event they came from.
DDL = """
CREATE TABLE IF NOT EXISTS analytics_retention (
    id INTEGER PRIMARY KEY,
    purged_before TEXT NOT NULL
)
"""
# The dated facts, by table and date column. A task's own row (its type and routing) stays:
# a later attempt of an old task needs it, and it counts only when created within retention.
PURGED = (
    ("rm_analytics_submissions", "submitted_at"),
    ("rm_analytics_escalations", "submitted_at"),
    ("rm_analytics_attempts", "finished_at"),
)


def horizon(tx: Cursor) -> str | None:
    """The sortable time before which facts have been purged, if ever."""
    row = tx.execute("SELECT purged_before FROM analytics_retention WHERE id = 1").fetchone()
    return str(row["purged_before"]) if row else None


def purged_before(db: Database) -> datetime | None:
    with db.transaction(write=False) as tx:
        at = horizon(tx)
    return from_sortable(at) if at else None


def purge(db: Database, cutoff: datetime) -> int:
    """Removes facts dated before `cutoff` and moves the horizon there (never back);
    returns how many rows went."""
    removed = 0
    with db.transaction() as tx:
        current = horizon(tx)
        at = max(current or "", sortable(cutoff) or "")
        tx.execute("DELETE FROM analytics_retention WHERE id = 1")
        tx.execute("INSERT INTO analytics_retention (id, purged_before) VALUES (1, ?)", (at,))
        for table, column in PURGED:
            removed += tx.execute(f"DELETE FROM {table} WHERE {column} < ?", (at,)).rowcount
    return removed
