"""A store a benchmark may keep between runs: a 1M-event log takes minutes to seed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchkit.stores import Store, temporary_store


@contextmanager
def bench_store(database_url: str | None, keep: Path | None) -> Iterator[tuple[Store, int]]:
    """The store and the log's head when it was opened (0: seed it). `keep`: a SQLite data
    dir that outlives the run, reused as it is when it already holds a log."""
    if keep is None:
        with temporary_store(database_url) as store:
            yield store, 0
        return
    if database_url is not None:
        raise SystemExit("--keep keeps a SQLite store; PostgreSQL runs use a fresh database")
    keep.mkdir(parents=True, exist_ok=True)
    yield Store("SQLite", keep, None), _head(keep / "kyros.sqlite3")


def _head(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        try:
            row = conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
        except sqlite3.OperationalError:  # no log yet
            return 0
    return int(row[0] or 0)
