"""Cluster-wide election of who runs a background worker: a PostgreSQL advisory lock.

Every worker of a process holds its lock on one shared session (advisory locks are
session-scoped, so one session can hold many keys): a process costs PostgreSQL one connection
for all its leaderships, not one per worker. A crashed holder's locks are released by
PostgreSQL when its session ends.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from types import TracebackType

import psycopg

from kyros.connections.watchdog import WATCHDOG

log = logging.getLogger(__name__)

LEASE_CHECK_SECONDS = 5.0  # how often a leader confirms that its session is still alive


def lock_key(name: str) -> int:
    """A stable signed 64-bit key per worker name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class LeaderSession:
    """The one autocommit session holding this process's advisory locks.

    Calls come from worker threads, so they are serialised by a lock. Each (re)connection
    starts a new generation: a lock taken in an earlier generation died with its session.
    """

    def __init__(self, url: str | None, timeout_seconds: float = 5.0) -> None:
        self.url = url
        self.timeout_seconds = timeout_seconds  # a silent server must not hold a caller longer
        self._mutex = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self.generation = 0

    def lease(self, name: str) -> Leadership:
        return Leadership(self, name)

    def try_lock(self, key: int) -> int | None:
        """The generation the lock was taken in, or None when another session holds it."""
        with self._mutex:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    self.url or "",
                    autocommit=True,
                    connect_timeout=max(2, math.ceil(self.timeout_seconds)),
                )
                self.generation += 1
            try:
                with WATCHDOG.guard(self._conn, self.timeout_seconds):
                    row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            except psycopg.Error:
                self._drop()
                raise
            return self.generation if row and row[0] else None

    def alive(self, generation: int) -> bool:
        """True while the session that took a lock in `generation` still answers."""
        with self._mutex:
            if self._conn is None or self._conn.closed or generation != self.generation:
                return False
            try:
                with WATCHDOG.guard(self._conn, self.timeout_seconds):
                    self._conn.execute("SELECT 1")
            except psycopg.Error:
                log.warning("the leadership session was lost; every leader must re-acquire")
                self._drop()
                return False
            return True

    def unlock(self, key: int, generation: int) -> None:
        with self._mutex:
            if self._conn is None or self._conn.closed or generation != self.generation:
                return  # that session, and the lock with it, is already gone
            try:
                with WATCHDOG.guard(self._conn, self.timeout_seconds):
                    self._conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            except psycopg.Error:
                self._drop()

    def close(self) -> None:
        with self._mutex:
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None


class Leadership:
    """One worker's claim; on SQLite (no URL) the process is always the leader."""

    def __init__(self, session: LeaderSession, name: str) -> None:
        self.session = session
        self.key = lock_key(f"kyros:{name}")
        self._held_in: int | None = None  # the session generation the lock was taken in

    def try_acquire(self) -> bool:
        if self.session.url is None:
            return True  # SQLite: one process owns the file
        if self._held_in is not None and self.session.alive(self._held_in):
            return True  # taking it again would stack a second lock that release leaves behind
        self._held_in = self.session.try_lock(self.key)
        return self._held_in is not None

    def still_held(self) -> bool:
        if self.session.url is None:
            return True
        if self._held_in is None or not self.session.alive(self._held_in):
            self._held_in = None
            return False
        return True

    def release(self) -> None:
        if self._held_in is not None:
            self.session.unlock(self.key, self._held_in)
        self._held_in = None

    def __enter__(self) -> Leadership:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
