"""Applies the log to read models in pages: a page and its tracking position commit together."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from kyros.eventstore.application import KyrosApplication
from kyros.projections.failures import (
    FAILURES_DDL,
    ProjectionFailure,
    ProjectionStuck,
    clear_failure,
    read_failure,
    read_failures,
    record_failure,
)
from kyros.projections.storable_cursor import storable_cursor
from kyros.readstore.database import Cursor, Database
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

    A page that fails is retried one event at a time: the events before the failing one are
    applied, the failing one is recorded (`projection_failures`) and `ProjectionStuck` is
    raised. The read model halts there rather than skip it, so what it shows stays true as
    of its position (a skipped revocation would leave a key active for good); every retry
    that gets past the event clears the record.
    """

    def __init__(
        self, app: KyrosApplication, db: Database, projections: Sequence[Projection]
    ) -> None:
        self.app = app
        self.db = db
        self.projections = {p.name: p for p in projections}
        self._failing: set[str] = set()  # names this engine knows a failure is recorded for

    def setup(self) -> None:
        with self.db.transaction() as tx:
            tx.execute(TRACKING_DDL)
            tx.execute(FAILURES_DDL)
            for projection in self.projections.values():
                projection.create(tx)
                tx.execute(
                    "INSERT INTO projection_positions (name, position, updated_at) "
                    "VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING",
                    (projection.name, sortable(now())),
                )
        self._failing = set(read_failures(self.db))

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

    def failure(self, name: str) -> ProjectionFailure | None:
        """The event `name` is stuck at, as recorded by whichever process runs it."""
        failure = read_failure(self.db, name)
        if failure is None:
            self._failing.discard(name)
        else:
            self._failing.add(name)
        return failure

    def failures(self) -> dict[str, ProjectionFailure]:
        return {n: f for n, f in read_failures(self.db).items() if n in self.projections}

    def step(self, name: str, limit: int) -> tuple[int, int]:
        """Applies at most `limit` events; returns (events applied, position after).

        Raises `ProjectionStuck` when an event of the page cannot be applied."""
        start = self.position(name)
        notifications = self.app.recorder.select_notifications(
            start=start, limit=limit, inclusive_of_start=False
        )
        if not notifications:
            return 0, start
        try:
            return self._apply(name, start, notifications)
        except Exception:
            self._one_by_one(name, start, notifications)  # raises at an event failing alone
            raise  # each event applied alone: the fault was passing, not theirs; report it

    def _apply(self, name: str, start: int, notifications: Sequence[Any]) -> tuple[int, int]:
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
            self.projections[name].apply(storable_cursor(tx, self.db.dialect), page)
            if name in self._failing:  # it got past the event it was stuck at
                clear_failure(tx, name)
        self._failing.discard(name)
        return len(page), end

    def _one_by_one(self, name: str, start: int, notifications: Sequence[Any]) -> None:
        """Applies a failed page's events one at a time, up to one that fails alone."""
        position = start
        for notification in notifications:
            try:
                done, position = self._apply(name, position, [notification])
            except Exception as error:
                failure = record_failure(self.db, name, notification.id, notification.topic, error)
                self._failing.add(name)
                raise ProjectionStuck(failure, reached=position) from error
            if not done:  # another runner moved the position on
                return

    def catch_up(self, name: str, limit: int, progress: Callable[[int], None] | None = None) -> int:
        """Runs pages until the head seen at the start is reached; returns the final position.
        Raises `ProjectionStuck` at an event the read model cannot apply."""
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
            clear_failure(tx, name)
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
