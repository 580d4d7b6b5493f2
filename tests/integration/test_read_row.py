"""One-statement read-model reads without a worker thread: SQLite on the event loop when a
pooled connection is idle (else on a thread), PostgreSQL on the loop's own connections."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import psycopg
import pytest

from kyros.connections.unavailable import StoreUnavailable
from kyros.http.dependencies import read_row
from kyros.readstore.database import PoolBusy, SqliteDatabase
from kyros.readstore.loop_reads import LoopReads


def test_sqlite_reads_on_a_thread_when_every_connection_is_lent(tmp_path: Path) -> None:
    db = SqliteDatabase(str(tmp_path / "r.db"), lock_timeout_seconds=5, pool_size=1)
    with db.transaction() as tx:
        tx.execute("CREATE TABLE t (n INTEGER)")
        tx.execute("INSERT INTO t (n) VALUES (7)")
    lent, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.transaction(write=False):
            lent.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    lent.wait(5)
    with pytest.raises(PoolBusy), db.transaction(write=False, wait=False):
        pass  # never entered: nothing idle to lend at once
    threading.Timer(0.2, release.set).start()
    row = anyio.run(read_row, db, "SELECT n FROM t WHERE n = ?", (7,))
    holder.join()

    assert row == {"n": 7}
    assert release.is_set()  # it waited, on a thread, for the lent connection to come back
    assert anyio.run(read_row, db, "SELECT n FROM t WHERE n = ?", (8,)) is None
    db.close()


def test_sqlite_reads_one_statement_and_leaves_no_transaction_open(tmp_path: Path) -> None:
    db = SqliteDatabase(str(tmp_path / "r.db"), lock_timeout_seconds=5, pool_size=1)
    with db.transaction() as tx:
        tx.execute("CREATE TABLE t (n INTEGER)")
        tx.execute("INSERT INTO t (n) VALUES (7), (8)")
    assert anyio.run(read_row, db, "SELECT n FROM t ORDER BY n", ()) == {"n": 7}
    with db.transaction() as tx:  # the one connection came back idle, outside a transaction
        tx.execute("DELETE FROM t WHERE n = 7")
    assert db.read_one("SELECT n FROM t ORDER BY n") == {"n": 8}
    assert db.read_one("SELECT n FROM t WHERE n = ?", (7,)) is None
    db.close()


@pytest.mark.postgres
def test_postgres_replaces_a_connection_the_server_dropped_and_escapes_percent(
    postgres_database: str,
) -> None:
    reads = LoopReads(postgres_database, timeout_seconds=5)

    async def scenario() -> None:
        first = await reads.fetchone("SELECT pg_backend_pid() AS pid")
        assert first is not None
        with psycopg.connect(postgres_database, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first["pid"],))
        again = await reads.fetchone("SELECT pg_backend_pid() AS pid, 'a%' AS s, ? + 1 AS n", (41,))
        assert again is not None and again["pid"] != first["pid"]
        assert (again["s"], again["n"]) == ("a%", 42)

    anyio.run(scenario)
    anyio.run(scenario)  # a new event loop starts with connections of its own
    reads.close()


@contextmanager
def socket_that_never_answers() -> Iterator[int]:
    """A port whose connections the kernel accepts and nobody ever answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def test_postgres_that_does_not_answer_is_store_unavailable() -> None:
    with socket_that_never_answers() as port:
        reads = LoopReads(f"postgresql://postgres@127.0.0.1:{port}/x", timeout_seconds=0.5)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            anyio.run(reads.fetchone, "SELECT 1")
        assert time.monotonic() - started < 3
