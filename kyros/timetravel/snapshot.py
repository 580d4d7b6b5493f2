"""Every read model rebuilt as of a log position into a standalone SQLite file, by the live
projection engine reading the log only up to that position."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kyros.eventstore.application import KyrosApplication
from kyros.projections.engine import ProjectionEngine, Stepped
from kyros.projections.registry import all_projections
from kyros.readstore.database import SqliteDatabase
from kyros.timefmt import iso, now
from kyros.timetravel.point import Point

SNAPSHOT_DDL = """
CREATE TABLE kyros_snapshot (
    as_of TEXT NOT NULL,
    position BIGINT NOT NULL,
    log_head BIGINT NOT NULL,
    taken_at TEXT NOT NULL
)
"""


class _RecorderUpTo:
    """The recorder's notifications, never past `position`."""

    def __init__(self, recorder: Any, position: int) -> None:
        self._recorder, self._position = recorder, position

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Any]:
        stop = self._position if stop is None else min(stop, self._position)
        return self._recorder.select_notifications(  # type: ignore[no-any-return]
            start, limit, stop, topics, inclusive_of_start=inclusive_of_start
        )


class LogUpTo:
    """The application's log as it stood at `position`, as the engine reads it: its head is
    `position` and its pages stop there, so nothing later reaches a read model."""

    def __init__(self, app: KyrosApplication, position: int) -> None:
        self.mapper = app.mapper
        self.recorder = _RecorderUpTo(app.recorder, position)
        self._position = position

    def head(self) -> int:
        return self._position


def write_snapshot(
    app: KyrosApplication,
    point: Point,
    out: Path,
    page_size: int,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Stepped]:
    """Builds into `<out>.partial` and renames it into place only when every read model got
    to `point`: a half-built or stuck snapshot is never left where an auditor would read it.
    Returns each read model's result; one with an `error` means no file was written."""
    partial = out.with_name(out.name + ".partial")
    _remove(partial)
    db = SqliteDatabase(str(partial), pool_size=1)
    try:
        engine = ProjectionEngine(LogUpTo(app, point.position), db, all_projections())  # type: ignore[arg-type]
        engine.setup()
        report = None if progress is None else lambda at: progress(min(at.values()))
        stepped = engine.catch_up_all(sorted(engine.projections), page_size, report)
        with db.transaction() as tx:
            tx.execute(SNAPSHOT_DDL)
            tx.execute(
                "INSERT INTO kyros_snapshot VALUES (?, ?, ?, ?)",
                (iso(point.instant), point.position, app.head(), iso(now())),
            )
    finally:
        db.close()
    if any(s.error is not None for s in stepped.values()):
        _remove(partial)
        return stepped
    with sqlite3.connect(partial) as folded:  # one self-contained file: no -wal beside it
        folded.execute("PRAGMA journal_mode=DELETE")
    folded.close()
    os.replace(partial, out)
    return stepped


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        leftover.unlink(missing_ok=True)
