"""Read-model database access with one SQL dialect (qmark) for SQLite and PostgreSQL."""

from __future__ import annotations

import math
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from psycopg.rows import dict_row, tuple_row

from kyros.connections.bounded_pool import BoundedPool
from kyros.connections.unavailable import StoreUnavailable
from kyros.readstore.loop_reads import LoopReads
from kyros.settings import Settings

Row = dict[str, Any]

_QMARK = re.compile(r"\?")
# Read-model connections on SQLite: the GIL lets few threads run SQLite at once, and there is
# one writer at a time; more connections only add page caches.
SQLITE_POOL_SIZE = 8


class PoolBusy(Exception):
    """No read-model connection is idle, and the caller asked not to wait for one."""


class Cursor(Protocol):
    rowcount: int

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...
    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...
    def insert_new(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None: ...
    def fetchone(self) -> Row | None: ...
    def fetchall(self) -> list[Row]: ...


class Database(Protocol):
    dialect: str

    def transaction(self, *, write: bool = True, durable: bool = True) -> Any: ...
    def connection_stats(self) -> dict[str, int | None]: ...
    def close(self) -> None: ...


class _PgCursor:
    """Rewrites qmark placeholders so read-model SQL is written once for both stores."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _PgCursor:
        self._cursor.execute(_QMARK.sub("%s", sql.replace("%", "%%")), params)
        return self

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(_QMARK.sub("%s", sql.replace("%", "%%")), params)

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Rows whose keys the table does not hold yet, by COPY: a rebuild's rows are all
        new, and COPY writes them at twice the rate of an `executemany` of INSERTs, at a
        third of the client's CPU."""
        with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Row]:
        return list(self._cursor.fetchall())

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows as plain tuples in binary format, in the same transaction: for bulk reads
        (the audit walk) where building a dict per row costs more than the rest."""
        with self._cursor.connection.cursor(row_factory=tuple_row, binary=True) as lean:
            lean.execute(_QMARK.sub("%s", sql.replace("%", "%%")), params)
            return lean.fetchall()


class PostgresDatabase:
    dialect = "postgres"

    def __init__(self, url: str, pool_size: int, timeout_seconds: float = 5.0) -> None:
        self.pool = BoundedPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"row_factory": dict_row, "connect_timeout": max(2, math.ceil(timeout_seconds))},
            open=True,
            name="kyros-read-models",
            timeout=timeout_seconds,
            use_seconds=timeout_seconds,
        )
        self.loop_reads = LoopReads(url, timeout_seconds)  # one-statement reads, no thread

    @contextmanager
    def transaction(self, *, write: bool = True, durable: bool = True) -> Iterator[Cursor]:
        """`durable=False`: the commit does not wait for its WAL to reach disk (a crash may
        lose it whole, never part of it); for writes that are redone when lost."""
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            if not durable:
                cur.execute("SET LOCAL synchronous_commit TO OFF")
            yield _PgCursor(cur)

    def connection_stats(self) -> dict[str, int | None]:
        """The pool's connections: lent out, waiting in the pool, its ceiling, open now."""
        stats = self.pool.get_stats()
        size, available = stats.get("pool_size", 0), stats.get("pool_available", 0)
        return {
            "active": size - available,
            "idle": available,
            "max": stats.get("pool_max", self.pool.max_size),
            "open": size,
            "waiting": stats.get("requests_waiting", 0),
        }

    def close(self) -> None:
        self.loop_reads.close()
        self.pool.close()


class _SqliteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _SqliteCursor:
        self._cursor.execute(sql, tuple(params))
        return self

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(sql, params)

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Rows whose keys the table does not hold yet: a plain INSERT, no conflict to check."""
        marks = ", ".join("?" * len(columns))
        self._cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    def fetchone(self) -> Row | None:
        row = self._cursor.fetchone()
        return dict(row) if row is not None else None

    def fetchall(self) -> list[Row]:
        return [dict(r) for r in self._cursor.fetchall()]

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows as plain tuples, in the same transaction (see `_PgCursor.tuples`)."""
        lean = self._cursor.connection.cursor()
        try:
            lean.row_factory = None
            return lean.execute(sql, tuple(params)).fetchall()
        finally:
            lean.close()


class SqliteDatabase:
    """A bounded pool of connections; WAL lets readers run beside the single writer.

    Not one connection per thread: every thread that ever touched the database kept one (each
    with its own page cache) for the life of the process, so memory grew with the thread pool.
    A caller waits at most `lock_timeout_seconds` for a free connection, then gets
    `StoreUnavailable` (503), as for a locked file.
    """

    dialect = "sqlite"

    def __init__(
        self, path: str, lock_timeout_seconds: float = 5.0, pool_size: int = SQLITE_POOL_SIZE
    ) -> None:
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.path = path
        self._timeout = lock_timeout_seconds
        self._busy_ms = max(1, round(lock_timeout_seconds * 1000))
        self._max = pool_size
        self._idle: list[sqlite3.Connection] = []  # the most recently used is lent first
        self._open = 0
        self._lent = 0
        self._waiting = 0
        self._closed = False
        self._changed = threading.Condition()

    @contextmanager
    def transaction(
        self, *, write: bool = True, wait: bool = True, durable: bool = True
    ) -> Iterator[Cursor]:
        """Writers take the lock up front (IMMEDIATE) so they never deadlock upgrading.
        `wait=False`: `PoolBusy` at once unless an open connection is idle (a caller on the
        event loop must not wait for one, nor open one). `durable` changes nothing: a commit
        in WAL mode with synchronous=NORMAL already waits for no disk, and anything less
        would risk the whole file (the log's too) on a power loss."""
        conn = self._borrow(wait)
        try:
            cur = conn.cursor()
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield _SqliteCursor(cur)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                cur.close()
        finally:
            self._give_back(conn)

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of one statement on an idle connection, else `PoolBusy` at once (for
        the event loop, like `transaction(wait=False)`). A lone statement is its own read
        transaction: no BEGIN and COMMIT around it, two of the three statements of a read."""
        conn = self._borrow(wait=False)
        try:
            cur = conn.execute(sql, tuple(params))
            try:
                row = cur.fetchone()
            finally:
                cur.close()
        finally:
            self._give_back(conn)
        return dict(row) if row is not None else None

    def _borrow(self, wait: bool = True) -> sqlite3.Connection:
        if not wait:
            with self._changed:
                if not self._idle:
                    raise PoolBusy
                self._lent += 1
                return self._idle.pop()
        deadline = time.monotonic() + self._timeout
        with self._changed:
            while not self._idle and self._open >= self._max:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreUnavailable(
                        f"all {self._max} read-model connections stayed busy for {self._timeout:g}s"
                    )
                self._waiting += 1
                try:
                    self._changed.wait(remaining)
                finally:
                    self._waiting -= 1
            self._lent += 1
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return self._connect()
        except BaseException:
            self._forget()
            raise

    def _give_back(self, conn: sqlite3.Connection) -> None:
        """A connection left inside a transaction (a failed COMMIT or ROLLBACK) is rolled back,
        or closed if even that fails, so the next borrower starts clean."""
        healthy = not self._closed
        if healthy and conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                healthy = False
        if not healthy:
            conn.close()
            self._forget()
            return
        with self._changed:
            self._lent -= 1
            self._idle.append(conn)
            self._changed.notify()

    def _forget(self) -> None:
        with self._changed:
            self._lent -= 1
            self._open -= 1
            self._changed.notify()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def connection_stats(self) -> dict[str, int | None]:
        """The pool's connections: lent out, waiting in the pool, its ceiling, open now, and
        the callers waiting for one."""
        with self._changed:
            return {
                "active": self._lent,
                "idle": len(self._idle),
                "max": self._max,
                "open": self._open,
                "waiting": self._waiting,
            }

    def close(self) -> None:
        """Closes the idle connections; a lent one is closed when it comes back."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
        for conn in idle:
            conn.close()


def open_database(settings: Settings) -> Database:
    if settings.is_postgres:
        return PostgresDatabase(
            settings.database_url or "",
            settings.postgres_pool_size,
            settings.database_timeout_seconds,
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteDatabase(str(settings.sqlite_path), settings.database_timeout_seconds)
