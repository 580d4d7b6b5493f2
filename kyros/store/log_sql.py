"""The event log's table in plain SQL, for a check that must share a read-model transaction."""

from __future__ import annotations

from collections.abc import Sequence

from kyros.store.database import Cursor

# As the eventsourcing recorders lay the log out: its table, and the column holding an event's
# log position (a test pins both on both stores).
EVENTS_TABLE = {"postgres": "kyros_events", "sqlite": "stored_events"}
_POSITION_COLUMN = {"postgres": "notification_id", "sqlite": "rowid"}


def logged_past(
    tx: Cursor, dialect: str, read_models: Sequence[str], topics: Sequence[str]
) -> bool:
    """Whether the log holds an event of `topics` that one of `read_models` has not applied.

    One indexed range read from the read models' (least) position: as cheap as the lag is
    short. A read model without a position counts as having applied nothing."""
    table, column = EVENTS_TABLE[dialect], _POSITION_COLUMN[dialect]
    models, kinds = ", ".join("?" * len(read_models)), ", ".join("?" * len(topics))
    row = tx.execute(
        f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} > ("
        f"SELECT COALESCE(MIN(position), 0) FROM projection_positions WHERE name IN ({models}))"
        f" AND topic IN ({kinds})) AS newer",
        (*read_models, *topics),
    ).fetchone()
    return bool(row and row["newer"])
