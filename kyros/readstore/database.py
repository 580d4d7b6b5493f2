"""Read-model database access with one SQL dialect (qmark) for SQLite and PostgreSQL."""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from psycopg.rows import dict_row

from kyros.connections.bounded_pool import BoundedPool
from kyros.settings import Settings

Row = dict[str, Any]

_QMARK = re.compile(r"\?")


class Cursor(Protocol):
    rowcount: int

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...
    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...
    def fetchone(self) -> Row | None: ...
    def fetchall(self) -> list[Row]: ...


class Database(Protocol):
    dialect: str

    def transaction(self, *, write: bool = True) -> Any: ...
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

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Row]:
        return list(self._cursor.fetchall())


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

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Cursor]:
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
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

    def fetchone(self) -> Row | None:
        row = self._cursor.fetchone()
        return dict(row) if row is not None else None

    def fetchall(self) -> list[Row]:
        return [dict(r) for r in self._cursor.fetchall()]


class SqliteDatabase:
    """One connection per thread; WAL lets readers run beside the single writer."""

    dialect = "sqlite"

    def __init__(self, path: str, lock_timeout_seconds: float = 5.0) -> None:
        self.path = path
        self._busy_ms = max(1, round(lock_timeout_seconds * 1000))
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Cursor]:
        """Writers take the lock up front (IMMEDIATE) so they never deadlock upgrading."""
        conn = self._connection()
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

    def connection_stats(self) -> dict[str, int | None]:
        """No pool: one connection per thread that has used the database, none lent or idle."""
        with self._lock:
            opened = len(self._connections)
        return {"active": None, "idle": None, "max": None, "open": opened, "waiting": None}

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


def open_database(settings: Settings) -> Database:
    if settings.is_postgres:
        return PostgresDatabase(
            settings.database_url or "",
            settings.postgres_pool_size,
            settings.database_timeout_seconds,
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteDatabase(str(settings.sqlite_path), settings.database_timeout_seconds)
