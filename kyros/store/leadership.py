"""Cluster-wide election of who runs a background worker: a PostgreSQL advisory lock."""

from __future__ import annotations

import hashlib
from types import TracebackType

import psycopg


def lock_key(name: str) -> int:
    """A stable signed 64-bit key per worker name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Leadership:
    """Held for as long as its session lives; a crashed holder's lock is released by PostgreSQL."""

    def __init__(self, url: str | None, name: str) -> None:
        self.url = url
        self.key = lock_key(f"kyros:{name}")
        self._conn: psycopg.Connection | None = None

    def try_acquire(self) -> bool:
        if self.url is None:
            return True  # SQLite: one process owns the file
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.url, autocommit=True)
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        return bool(row and row[0])

    def still_held(self) -> bool:
        if self.url is None:
            return True
        if self._conn is None or self._conn.closed:
            return False
        self._conn.execute("SELECT 1")
        return True

    def release(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None

    def __enter__(self) -> Leadership:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
