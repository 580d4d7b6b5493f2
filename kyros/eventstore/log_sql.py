"""The event log's table in plain SQL, for a check that must share a read-model statement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# As the eventsourcing recorders lay the log out: its table, and the column holding an event's
# log position (a test pins both on both stores).
EVENTS_TABLE = {"postgres": "kyros_events", "sqlite": "stored_events"}
POSITION_COLUMN = {"postgres": "notification_id", "sqlite": "rowid"}
_POSITION_COLUMN = POSITION_COLUMN


def logged_past(
    dialect: str, read_models: Sequence[str], topics: Sequence[str]
) -> tuple[str, tuple[Any, ...]]:
    """A boolean SQL expression, and its parameters: whether the log holds an event of `topics`
    that one of `read_models` has not applied yet.

    An expression, so a query can select it beside its rows in one statement (one round trip),
    from the same snapshot. One indexed range read from the read models' least position: as
    cheap as the lag is short. A read model without a position counts as having applied
    nothing."""
    table, column = EVENTS_TABLE[dialect], _POSITION_COLUMN[dialect]
    models, kinds = ", ".join("?" * len(read_models)), ", ".join("?" * len(topics))
    sql = (
        f"EXISTS (SELECT 1 FROM {table} WHERE {column} > (SELECT COALESCE(MIN(position), 0)"
        f" FROM projection_positions WHERE name IN ({models})) AND topic IN ({kinds}))"
    )
    return sql, (*read_models, *topics)


def changes_past(
    dialect: str, topics: Sequence[str]
) -> tuple[str, Callable[[int], tuple[Any, ...]]]:
    """A statement, and its parameters for a log position: the log's last position past that
    position, and the last past it of an event of `topics`; NULLs when nothing is.

    Two index reads from the log's end, whatever the table's statistics: as one aggregate over
    the range, a log bulk-loaded before PostgreSQL first analysed it was planned as a parallel
    scan of the whole table (18 ms a look on 60k events, on every request batch)."""
    table, column = EVENTS_TABLE[dialect], _POSITION_COLUMN[dialect]
    kinds = ", ".join("?" * len(topics))
    sql = (
        f"SELECT (SELECT MAX({column}) FROM {table} WHERE {column} > ?) AS head,"
        f" (SELECT {column} FROM {table} WHERE {column} > ? AND topic IN ({kinds})"
        f" ORDER BY {column} DESC LIMIT 1) AS changed"
    )
    kinds_params = tuple(topics)
    return sql, lambda position: (position, position, *kinds_params)


def head(dialect: str) -> str:
    """A statement: the log's last position (NULL while it is empty)."""
    return f"SELECT MAX({_POSITION_COLUMN[dialect]}) AS head FROM {EVENTS_TABLE[dialect]}"


def stored_rows(dialect: str) -> str:
    """A statement over positions (after, up to, limit): the stored events as the recorder
    wrote them, in log order — what the audit chain hashes."""
    table, column = EVENTS_TABLE[dialect], _POSITION_COLUMN[dialect]
    return (
        f"SELECT {column} AS position, originator_id, originator_version, topic, state"
        f" FROM {table} WHERE {column} > ? AND {column} <= ? ORDER BY {column} LIMIT ?"
    )
