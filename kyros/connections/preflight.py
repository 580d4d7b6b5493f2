"""Before the store is opened: it exists, is writable, not locked and reachable, or one line why."""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from kyros.settings import Settings

Say = Callable[[str], None]

BOUND = "KYROS_STARTUP_TIMEOUT_SECONDS"
EVENTS_TABLE = "kyros_events"  # the eventsourcing recorder's table for the application "Kyros"


class StoreUnavailable(Exception):
    """The store cannot be used now: read-only, locked, unreachable or missing.

    The message is one sentence naming the store, for the command line to print as one line;
    waits before it are bounded by KYROS_STARTUP_TIMEOUT_SECONDS.
    """


class StoreMissing(StoreUnavailable):
    """No store where the settings point, and the command was not asked to create one."""


def describe(settings: Settings) -> str:
    """Which store, in words an operator can check: a path or a database (never a password)."""
    if not settings.is_postgres:
        return f"SQLite at {settings.sqlite_path.absolute()}"
    url = urlsplit(settings.database_url or "")
    database = url.path.lstrip("/") or "postgres"
    return f"PostgreSQL database {database!r} at {url.hostname or '127.0.0.1'}:{url.port or 5432}"


def prepare(settings: Settings, *, create: bool, say: Say) -> None:
    """Raises StoreUnavailable unless the store can be opened (and exists, unless `create`)."""
    if settings.is_postgres:
        _prepare_postgres(settings, create=create, say=say)
    else:
        _prepare_sqlite(settings, create=create, say=say)


def _missing(settings: Settings) -> StoreMissing:
    return StoreMissing(
        f"no Kyros store in {describe(settings)}: `kyros serve` creates one, or pass --init;"
        " KYROS_DATA_DIR (SQLite) or KYROS_DATABASE_URL (PostgreSQL) chooses another"
    )


def _prepare_sqlite(settings: Settings, *, create: bool, say: Say) -> None:
    path = settings.sqlite_path
    if not create and not path.exists():
        raise _missing(settings)
    _check_writable(settings.data_dir)
    if path.exists():
        _wait_for_write_lock(settings, say)


def _check_writable(data_dir: Path) -> None:
    """Creates (and removes) a file in the data directory: the one test root cannot pass by."""
    where = f"data directory {data_dir.absolute()}"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".kyros-write-check-{os.getpid()}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        probe.unlink()
    except OSError as error:
        if error.errno == errno.EROFS:
            raise StoreUnavailable(f"{where} is on a read-only file system") from None
        if error.errno in (errno.EACCES, errno.EPERM):
            raise StoreUnavailable(f"{where} is not writable by this user") from None
        raise StoreUnavailable(f"{where}: {error.strerror}") from None


def _wait_for_write_lock(settings: Settings, say: Say) -> None:
    """Waits, saying so once, while another connection holds the database's write lock."""
    bound = settings.startup_timeout_seconds
    deadline = time.monotonic() + bound
    announced = False
    while True:
        try:
            _take_write_lock(settings.sqlite_path)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise StoreUnavailable(f"{describe(settings)}: {error}") from None
        except sqlite3.DatabaseError as error:
            raise StoreUnavailable(f"{describe(settings)}: {error}") from None
        if time.monotonic() >= deadline:
            raise StoreUnavailable(
                f"{describe(settings)} is locked by another process;"
                f" gave up after {bound:g}s ({BOUND})"
            )
        if not announced:
            say(f"waiting up to {bound:g}s for another process's lock on {describe(settings)}")
            announced = True
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _take_write_lock(path: Path) -> None:
    uri = f"{path.absolute().as_uri()}?mode=rw"  # never creates the file
    conn = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def _prepare_postgres(settings: Settings, *, create: bool, say: Say) -> None:
    if settings.jwt_secret is None and not (settings.data_dir / "jwt.key").exists():
        _check_writable(settings.data_dir)  # where the generated signing key will be written
    with _connect(settings, say) as conn:
        row = conn.execute("SELECT to_regclass(%s)", (EVENTS_TABLE,)).fetchone()
    if not create and (row is None or row[0] is None):
        raise _missing(settings)


def _connect(settings: Settings, say: Say) -> psycopg.Connection:
    """Retries with backoff until the bound: PostgreSQL may still be starting up."""
    bound = settings.startup_timeout_seconds
    deadline = time.monotonic() + bound
    delay = 0.1
    while True:
        remaining = deadline - time.monotonic()
        try:
            # libpq waits at least 2s per attempt: a silent server costs bound + 2s at most.
            return psycopg.connect(
                settings.database_url or "",
                autocommit=True,
                connect_timeout=max(2, round(remaining)),
            )
        except psycopg.OperationalError as error:
            reason = (str(error).strip().splitlines() or ["no answer"])[0].strip()
            if time.monotonic() + delay >= deadline:
                raise StoreUnavailable(
                    f"{describe(settings)} is unreachable after {bound:g}s ({BOUND}): {reason}"
                ) from None
            if delay == 0.1:
                say(f"waiting up to {bound:g}s for {describe(settings)}: {reason}")
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        except psycopg.Error as error:  # not a connection failure: waiting will not help
            raise StoreUnavailable(f"{describe(settings)}: {error}") from None
