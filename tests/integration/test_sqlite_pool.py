"""The SQLite read-model database lends a bounded set of connections, and waits a bounded time."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from kyros.connections.unavailable import StoreUnavailable
from kyros.readstore.database import SqliteDatabase


@pytest.fixture
def db(tmp_path: Path) -> SqliteDatabase:
    database = SqliteDatabase(str(tmp_path / "pool.db"), lock_timeout_seconds=0.5, pool_size=3)
    with database.transaction() as tx:
        tx.execute("CREATE TABLE t (n INTEGER)")
    return database


def test_many_threads_share_at_most_the_pool_size_in_connections(db: SqliteDatabase) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(20):
                with db.transaction() as tx:
                    tx.execute("INSERT INTO t (n) VALUES (?)", (n,))
                with db.transaction(write=False) as tx:
                    tx.execute("SELECT COUNT(*) AS c FROM t").fetchone()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stats = db.connection_stats()
    assert stats == {
        "active": 0,
        "idle": stats["open"],
        "max": 3,
        "open": stats["open"],
        "waiting": 0,
    }
    assert 1 <= stats["open"] <= 3
    with db.transaction(write=False) as tx:
        assert tx.execute("SELECT COUNT(*) AS c FROM t").fetchone() == {"c": 12 * 20}


def test_with_every_connection_lent_a_caller_waits_its_bound_then_is_refused(
    db: SqliteDatabase,
) -> None:
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with db.transaction(write=False):
            held.set()
            release.wait(10)

    holders = [threading.Thread(target=hold) for _ in range(3)]
    for thread in holders:
        held.clear()
        thread.start()
        assert held.wait(5)
    try:
        assert db.connection_stats()["active"] == 3
        with pytest.raises(StoreUnavailable), db.transaction(write=False):
            pass
    finally:
        release.set()
        for thread in holders:
            thread.join()
    assert db.connection_stats()["active"] == 0
    with db.transaction(write=False) as tx:  # the pool serves again once they are back
        assert tx.execute("SELECT 1 AS one").fetchone() == {"one": 1}


def test_a_waiting_caller_gets_the_connection_given_back(db: SqliteDatabase) -> None:
    lent = [db._borrow() for _ in range(3)]
    got: list[int] = []

    def wait_for_one() -> None:
        with db.transaction(write=False) as tx:
            got.append(tx.execute("SELECT 7 AS n").fetchone()["n"])  # type: ignore[index]

    waiter = threading.Thread(target=wait_for_one)
    waiter.start()
    while db.connection_stats()["waiting"] == 0:
        threading.Event().wait(0.01)
    db._give_back(lent.pop())
    waiter.join(5)
    assert got == [7]
    for conn in lent:
        db._give_back(conn)


def test_a_failed_transaction_leaves_a_clean_connection_behind(db: SqliteDatabase) -> None:
    def create_then_violate() -> None:
        with db.transaction() as tx:
            tx.execute("CREATE TABLE u (n INTEGER PRIMARY KEY)")
            tx.execute("INSERT INTO u (n) VALUES (1)")
            tx.execute("INSERT INTO u (n) VALUES (1)")

    with pytest.raises(sqlite3.IntegrityError):
        create_then_violate()
    for _ in range(4):  # every pooled connection starts outside a transaction
        with db.transaction() as tx:
            tx.execute("INSERT INTO t (n) VALUES (1)")
    with db.transaction(write=False) as tx:
        assert tx.execute("SELECT name FROM sqlite_master WHERE name = 'u'").fetchone() is None
