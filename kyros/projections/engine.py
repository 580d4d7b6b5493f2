"""Applies the log to read models in pages: a page and its tracking position commit together."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from kyros.store.application import KyrosApplication
from kyros.store.database import Cursor, Database
from kyros.timefmt import now, sortable

Event = Any
Page = Sequence[tuple[int, Event]]

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS projection_positions (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    updated_at TEXT NOT NULL
)
"""


class Projection(Protocol):
    """A read model: its tables, how to empty them, and how to apply a page of events."""

    name: str

    def create(self, tx: Cursor) -> None: ...
    def clear(self, tx: Cursor) -> None: ...
    def apply(self, tx: Cursor, page: Page) -> None: ...


class ProjectionEngine:
    """Exactly once: a page commits only if the position it started from is still current.

    Two runners on one database (a server and a CLI rebuild, or two servers) therefore never
    apply a page twice: the loser's conditional UPDATE matches no row and it rolls back.
    """

    def __init__(
        self, app: KyrosApplication, db: Database, projections: Sequence[Projection]
    ) -> None:
        self.app = app
        self.db = db
        self.projections = {p.name: p for p in projections}

    def setup(self) -> None:
        with self.db.transaction() as tx:
            tx.execute(TRACKING_DDL)
            for projection in self.projections.values():
                projection.create(tx)
                tx.execute(
                    "INSERT INTO projection_positions (name, position, updated_at) "
                    "VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING",
                    (projection.name, sortable(now())),
                )

    def positions(self) -> dict[str, int]:
        with self.db.transaction(write=False) as tx:
            rows = tx.execute("SELECT name, position FROM projection_positions").fetchall()
        return {r["name"]: int(r["position"]) for r in rows if r["name"] in self.projections}

    def position(self, name: str) -> int:
        with self.db.transaction(write=False) as tx:
            row = tx.execute(
                "SELECT position FROM projection_positions WHERE name = ?", (name,)
            ).fetchone()
        return int(row["position"]) if row else 0

    def step(self, name: str, limit: int) -> tuple[int, int]:
        """Applies at most `limit` events; returns (events applied, position after)."""
        start = self.position(name)
        notifications = self.app.recorder.select_notifications(
            start=start, limit=limit, inclusive_of_start=False
        )
        if not notifications:
            return 0, start
        page = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
        end = notifications[-1].id
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE projection_positions SET position = ?, updated_at = ? "
                "WHERE name = ? AND position = ?",
                (end, sortable(now()), name, start),
            )
            if tx.rowcount != 1:
                return 0, self._position_in(tx, name)
            self.projections[name].apply(tx, page)
        return len(page), end

    def catch_up(self, name: str, limit: int, progress: Callable[[int], None] | None = None) -> int:
        """Runs pages until the head seen at the start is reached; returns the final position."""
        target = self.app.head()
        position = self.position(name)
        while position < target:
            applied, position = self.step(name, limit)
            if progress is not None:
                progress(position)
            if applied == 0 and position < target:
                position = self.position(name)
        return position

    def reset(self, name: str) -> None:
        """Empties a read model and rewinds it to the start of the log, atomically."""
        with self.db.transaction() as tx:
            self.projections[name].clear(tx)
            tx.execute(
                "UPDATE projection_positions SET position = 0, updated_at = ? WHERE name = ?",
                (sortable(now()), name),
            )

    @staticmethod
    def _position_in(tx: Cursor, name: str) -> int:
        row = tx.execute(
            "SELECT position FROM projection_positions WHERE name = ?", (name,)
        ).fetchone()
        return int(row["position"]) if row else 0
