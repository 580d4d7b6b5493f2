"""PostgreSQL appends: one round trip, lent without a check query, still under the log's lock."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import msgspec
import psycopg
import pytest
from psycopg import pq

from kyros.bootstrap import Kyros
from kyros.commands.loading import TASKS
from kyros.connections.unavailable import StoreUnavailable
from kyros.domain.errors import Conflict
from kyros.eventstore.application import KyrosApplication, store_env
from kyros.eventstore.log_sql import EVENTS_TABLE
from kyros.settings import Settings
from tests.builders.commands import make_task

pytestmark = pytest.mark.postgres


@pytest.fixture
def store() -> str:
    return "postgres"


@pytest.fixture
def one_connection(settings: Settings) -> Iterator[Kyros]:
    """A store whose pool holds one connection, so a test can watch what crosses it."""
    with Kyros(msgspec.structs.replace(settings, postgres_pool_size=1)) as instance:
        yield instance


@contextmanager
def traced(kyros: Kyros) -> Iterator[list[str]]:
    """The protocol messages on every connection the store's pool may lend, while the block
    runs (each borrowed at once: the pool lends its idle connections in turn)."""
    messages: list[str] = []
    pool = kyros.app.recorder.datastore.pool  # type: ignore[attr-defined]
    with tempfile.TemporaryFile() as trace:
        with ExitStack() as borrowed:
            conns = [borrowed.enter_context(pool.connection()) for _ in range(pool.max_size)]
            for conn in conns:
                conn.pgconn.trace(trace.fileno())
                conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield messages
        finally:
            for conn in conns:
                conn.pgconn.untrace()
            trace.seek(0)
            messages.extend(trace.read().decode().splitlines())


def round_trips(messages: list[str]) -> int:
    return sum(1 for line in messages if line.startswith("B") and "ReadyForQuery" in line)


def test_a_save_is_one_round_trip_like_a_raw_insert(one_connection: Kyros) -> None:
    app = one_connection.app
    make_task(app)  # warm: the append statement is prepared
    with traced(one_connection) as messages:
        make_task(app)
    assert round_trips(messages) == 1, messages


def test_a_version_conflict_leaves_the_connection_idle_for_the_next_save(
    one_connection: Kyros,
) -> None:
    app = one_connection.app
    task_id = make_task(app)
    first, second = TASKS.load(app, task_id), TASKS.load(app, task_id)
    first.update({"title": "first"}, actor="user_1")
    second.update({"title": "second"}, actor="user_1")
    app.save_all(first)
    with pytest.raises(Conflict):
        app.save_all(second)
    with traced(one_connection) as messages:
        make_task(app)
    assert round_trips(messages) == 1, messages  # no rollback owed, no check needed


def test_a_connection_the_server_closed_while_idle_is_not_lent(
    one_connection: Kyros, settings: Settings
) -> None:
    """Lent unchecked when nothing arrived on it; a server that closes it says so first."""
    pool = one_connection.app.recorder.datastore.pool  # type: ignore[attr-defined]
    with pool.connection() as conn:
        pid = conn.info.backend_pid
    with psycopg.connect(settings.database_url or "", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
    for _ in range(pool.max_size):
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() is not None


def test_a_save_waits_for_an_uncommitted_writer_so_the_log_order_is_the_commit_order(
    settings: Settings,
) -> None:
    """Another transaction that wrote to the log and has not committed holds a lock that
    allows concurrent inserts; a save must still wait for it, or its later position could
    commit first and a reader past it would skip the earlier one."""
    impatient = msgspec.structs.replace(settings, database_timeout_seconds=2)
    with Kyros(impatient) as kyros:
        app = kyros.app
        make_task(app)
        head = app.head()
        with psycopg.connect(settings.database_url or "") as writer:
            writer.execute(f"LOCK TABLE {EVENTS_TABLE['postgres']} IN ROW EXCLUSIVE MODE")
            with pytest.raises(StoreUnavailable):  # not retried: the wait stays bounded
                make_task(app)
            writer.rollback()
        assert app.head() == head
        make_task(app)
        assert app.head() > head


def test_processes_starting_together_all_open_the_store(settings: Settings) -> None:
    """Each replaces the append function as it starts (a new version may have changed it):
    one at a time, or PostgreSQL fails all but one with "tuple concurrently updated"."""
    env = store_env(settings)
    KyrosApplication(env=env).close()  # the types and tables exist, as after a first start
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            KyrosApplication(env=env).close()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
