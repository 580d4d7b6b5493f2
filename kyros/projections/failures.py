"""Where a read model is stuck: the event it cannot apply, recorded for every process to see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kyros.domain.text import storable
from kyros.readstore.database import Cursor, Database, Row
from kyros.timefmt import now, sortable

FAILURES_DDL = """
CREATE TABLE IF NOT EXISTS projection_failures (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    error TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    first_failed_at TEXT NOT NULL,
    last_failed_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class ProjectionFailure:
    """`position` is the event that fails; the read model has applied everything before it.
    `attempts` counts the failures at that same position."""

    name: str
    position: int
    event_type: str
    error: str
    attempts: int
    first_failed_at: str
    last_failed_at: str

    def as_report(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "event_type": self.event_type,
            "error": self.error,
            "attempts": self.attempts,
            "first_failed_at": self.first_failed_at,
            "last_failed_at": self.last_failed_at,
        }


class ProjectionStuck(Exception):
    """A read model cannot apply an event; it applied the log up to `reached` (exclusive of
    the failing event) and stays there until the event applies."""

    def __init__(self, failure: ProjectionFailure, reached: int) -> None:
        super().__init__(
            f"read model {failure.name} cannot apply event {failure.position}"
            f" ({failure.event_type}): {failure.error}"
        )
        self.failure = failure
        self.reached = reached


def record_failure(
    db: Database, name: str, position: int, event_type: str, error: BaseException
) -> ProjectionFailure:
    """Counts consecutive failures at one position; a failure further on starts again at 1."""
    text = storable(f"{type(error).__name__}: {error}")[:500]
    at = sortable(now())
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO projection_failures (name, position, event_type, error, attempts,"
            " first_failed_at, last_failed_at) VALUES (?, ?, ?, ?, 1, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET"
            " attempts = CASE WHEN projection_failures.position = excluded.position"
            " THEN projection_failures.attempts + 1 ELSE 1 END,"
            " first_failed_at = CASE WHEN projection_failures.position = excluded.position"
            " THEN projection_failures.first_failed_at ELSE excluded.first_failed_at END,"
            " position = excluded.position, event_type = excluded.event_type,"
            " error = excluded.error, last_failed_at = excluded.last_failed_at",
            (name, position, storable(event_type), text, at, at),
        )
        row = _select(tx, name)
    assert row is not None  # just written in this transaction
    return _failure(row)


def clear_failure(tx: Cursor, name: str) -> None:
    tx.execute("DELETE FROM projection_failures WHERE name = ?", (name,))


def read_failure(db: Database, name: str) -> ProjectionFailure | None:
    with db.transaction(write=False) as tx:
        row = _select(tx, name)
    return _failure(row) if row else None


def read_failures(db: Database) -> dict[str, ProjectionFailure]:
    with db.transaction(write=False) as tx:
        rows = tx.execute("SELECT * FROM projection_failures").fetchall()
    return {row["name"]: _failure(row) for row in rows}


def _select(tx: Cursor, name: str) -> Row | None:
    return tx.execute("SELECT * FROM projection_failures WHERE name = ?", (name,)).fetchone()


def _failure(row: Row) -> ProjectionFailure:
    return ProjectionFailure(
        name=row["name"],
        position=int(row["position"]),
        event_type=row["event_type"],
        error=row["error"],
        attempts=int(row["attempts"]),
        first_failed_at=row["first_failed_at"],
        last_failed_at=row["last_failed_at"],
    )
