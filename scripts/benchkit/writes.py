"""Write throughput: Kyros commands beside raw INSERT+COMMIT on the same store, same threads."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import msgspec
import psycopg
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.tasks import CreateTask, create_task
from kyros.domain.task import Task

Op = Callable[[], None]
Writer = Callable[[], AbstractContextManager[Op]]

PG_RAW_DDL = (
    "CREATE TABLE IF NOT EXISTS raw_events (originator_id uuid NOT NULL,"
    " originator_version bigint NOT NULL, topic text, state bytea, notification_id bigserial,"
    " PRIMARY KEY (originator_id, originator_version))",
    "CREATE UNIQUE INDEX IF NOT EXISTS raw_events_notification_id ON raw_events (notification_id)",
)
PG_RAW_INSERT = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state)"
    " VALUES (%s, %s, %s, %s)"
)
SQLITE_RAW_DDL = (
    "CREATE TABLE IF NOT EXISTS raw_events (originator_id text, originator_version integer,"
    " topic text, state blob, PRIMARY KEY (originator_id, originator_version))"
)
SQLITE_RAW_INSERT = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)"
)


def command() -> CreateTask:
    """The create-task command every write row sends (one event of ~600 bytes)."""
    return CreateTask(
        task_id=ULID().to_uuid(),
        actor="user_bench",
        title="Benchmark task",
        description="Implement the thing and prove it with tests.",
        task_type="implementation",
        priority="medium",
        assignee_role="implementer",
        files_to_modify=["kyros/eventstore/application.py"],
        acceptance_criteria=["tests pass"],
        dependencies=[],
        tags=["bench"],
        deadline=None,
        metadata={"estimated_hours": 2},
    )


def measure(workers: int, seconds: float, writer: Writer) -> tuple[int, float]:
    """Runs `workers` threads, each with its own writer, until the deadline; (ops, seconds)."""
    counts = [0] * workers
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers + 1)
    stop = threading.Event()

    def loop(index: int) -> None:
        try:
            with writer() as op:
                barrier.wait()
                while not stop.is_set():
                    op()
                    counts[index] += 1
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    try:
        barrier.wait()
        started = time.perf_counter()
        time.sleep(seconds)
    except threading.BrokenBarrierError:
        pass
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return sum(counts), elapsed


def sample_event(kyros: Kyros) -> tuple[str, bytes]:
    """The topic and stored state of one create-task event: what the raw rows insert."""
    created = Task(**msgspec.structs.asdict(command())).collect_events()[0]
    stored = kyros.app.mapper.to_stored_event(created)
    return stored.topic, stored.state


def kyros_writer(kyros: Kyros) -> Writer:
    return lambda: nullcontext(lambda: create_task(kyros.app, command()))


def pg_raw_writer(url: str, topic: str, state: bytes, *, lock: bool = False) -> Writer:
    """One autocommit INSERT per op; `lock` adds the library's LOCK TABLE … EXCLUSIVE."""
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in PG_RAW_DDL:
            conn.execute(statement)

    @contextmanager
    def open_writer() -> Iterator[Op]:
        with psycopg.connect(url, autocommit=True) as conn:

            def insert() -> None:
                conn.execute(PG_RAW_INSERT, (ULID().to_uuid(), 1, topic, state))

            def insert_locked() -> None:
                with conn.transaction():
                    conn.execute("LOCK TABLE raw_events IN EXCLUSIVE MODE")
                    insert()

            yield insert_locked if lock else insert

    return open_writer


def sqlite_raw_writer(path: Path, topic: str, state: bytes) -> Writer:
    """One INSERT+COMMIT per op in a WAL database of its own (the library's journal mode).
    SQLite has one writer: threads take turns on a lock, as in-process writers do, rather than
    spinning in SQLite's busy handler (which sleeps and measured slower than one thread)."""
    turn = threading.Lock()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(SQLITE_RAW_DDL)

    @contextmanager
    def open_writer() -> Iterator[Op]:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        try:

            def insert() -> None:
                with turn:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute(SQLITE_RAW_INSERT, (str(ULID().to_uuid()), 1, topic, state))
                    conn.execute("COMMIT")

            yield insert
        finally:
            conn.close()

    return open_writer
