"""The stored log read in plain SQL through the read store (both live in one database)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from kyros.eventstore.application import KyrosApplication
from kyros.eventstore.log_sql import EVENTS_TABLE, head
from kyros.readstore.database import Cursor, Database

_POSITION = {"postgres": "notification_id", "sqlite": "rowid"}
CHUNK = 1_000  # events read per statement while replaying


def log_head(db: Database) -> int:
    with db.transaction(write=False) as tx:
        row = tx.execute(head(db.dialect)).fetchone()
    return int(row["head"] or 0) if row else 0


def first_at_or_after(tx: Cursor, dialect: str, position: int) -> tuple[int, StoredEvent] | None:
    """The log's first event at `position` or past it (positions may have gaps)."""
    table, column = EVENTS_TABLE[dialect], _POSITION[dialect]
    row = tx.execute(
        f"SELECT {column} AS position, originator_id, originator_version, topic, state"
        f" FROM {table} WHERE {column} >= ? ORDER BY {column} LIMIT 1",
        (position,),
    ).fetchone()
    return (int(row["position"]), _stored(row)) if row else None


def last_at_or_before(tx: Cursor, dialect: str, position: int) -> tuple[int, StoredEvent] | None:
    table, column = EVENTS_TABLE[dialect], _POSITION[dialect]
    row = tx.execute(
        f"SELECT {column} AS position, originator_id, originator_version, topic, state"
        f" FROM {table} WHERE {column} <= ? ORDER BY {column} DESC LIMIT 1",
        (position,),
    ).fetchone()
    return (int(row["position"]), _stored(row)) if row else None


def count_of(db: Database, originators: Sequence[UUID], upto: int) -> int:
    """How many events of `originators` the log holds at or before `upto` (one indexed read)."""
    if not originators:
        return 0
    table, column = EVENTS_TABLE[db.dialect], _POSITION[db.dialect]
    marks = ", ".join("?" * len(originators))
    with db.transaction(write=False) as tx:
        row = tx.execute(
            f"SELECT COUNT(*) AS n FROM {table} WHERE originator_id IN ({marks}) AND {column} <= ?",
            (*_ids(db.dialect, originators), upto),
        ).fetchone()
    return int(row["n"]) if row else 0


def events_of(
    app: KyrosApplication, db: Database, originators: Sequence[UUID], upto: int
) -> Iterator[list[tuple[int, Any]]]:
    """The decoded events of `originators` at or before `upto`, in log order, in pages."""
    if not originators:
        return
    table, column = EVENTS_TABLE[db.dialect], _POSITION[db.dialect]
    marks = ", ".join("?" * len(originators))
    sql = (
        f"SELECT {column} AS position, originator_id, originator_version, topic, state"
        f" FROM {table} WHERE originator_id IN ({marks}) AND {column} > ? AND {column} <= ?"
        f" ORDER BY {column} LIMIT {CHUNK}"
    )
    ids, after = _ids(db.dialect, originators), 0
    while True:
        with db.transaction(write=False) as tx:
            rows = tx.execute(sql, (*ids, after, upto)).fetchall()
        if not rows:
            return
        yield [(int(r["position"]), app.mapper.to_domain_event(_stored(r))) for r in rows]
        after = int(rows[-1]["position"])


def _ids(dialect: str, originators: Sequence[UUID]) -> list[Any]:
    """SQLite's recorder stores ids as hex text; PostgreSQL's as uuid."""
    return [o.hex for o in originators] if dialect == "sqlite" else list(originators)


def _stored(row: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        originator_id=row["originator_id"],
        originator_version=int(row["originator_version"]),
        topic=row["topic"],
        state=bytes(row["state"]),
    )
