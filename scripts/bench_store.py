"""Measures Kyros's PostgreSQL write and rebuild throughput against raw psycopg baselines."""

from __future__ import annotations

import argparse
import queue
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import psycopg
from benchkit.writes import Op, Writer, command, measure
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from psycopg import sql
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.tasks import create_task
from kyros.domain.task import Task
from kyros.eventstore.application import KyrosApplication, store_env
from kyros.settings import Settings


class UngroupedApplication(KyrosApplication):
    """Kyros's application as it was before group commit: the library's save, one transaction
    per save; the same run measures what group commit changed."""

    save = Application.save  # type: ignore[assignment]


RAW_DDL = (
    "CREATE TABLE raw_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
    " topic text, state bytea, notification_id bigserial,"
    " PRIMARY KEY (originator_id, originator_version))",
    "CREATE UNIQUE INDEX raw_events_notification_id ON raw_events (notification_id)",
)
RAW_INSERT = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state)"
    " VALUES (%s, %s, %s, %s)"
)
RAW_SELECT = (
    "SELECT notification_id, originator_id, originator_version, topic, state FROM kyros_events"
    " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
)
SEED_BATCH = 1000
PAGE = 2000
RAW, RAW_LOCKED, KYROS = "raw INSERT+COMMIT", "raw LOCK TABLE+INSERT+COMMIT", "Kyros create_task"
UNGROUPED = "Kyros, one transaction per save"
POOL = 4  # group commit writes through one connection at a time
WORKERS = (1, 16)


class Connections:
    """Raw baseline connections, opened once and lent to every run: the server is shared, and
    reconnecting per run risks finding its connection slots taken."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._idle: queue.SimpleQueue[psycopg.Connection[Any]] = queue.SimpleQueue()
        self._all: list[psycopg.Connection[Any]] = []

    @contextmanager
    def lend(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = psycopg.connect(self._url, autocommit=True)
            self._all.append(conn)
        try:
            yield conn
        finally:
            self._idle.put(conn)

    def close(self) -> None:
        for conn in self._all:
            conn.close()


def raw_writer(connections: Connections, topic: str, state: bytes, *, lock: bool) -> Writer:
    @contextmanager
    def open_writer() -> Iterator[Op]:
        with connections.lend() as conn:

            def insert() -> None:
                conn.execute(RAW_INSERT, (ULID().to_uuid(), 1, topic, state))

            def insert_locked() -> None:
                with conn.transaction():
                    conn.execute("LOCK TABLE raw_events IN EXCLUSIVE MODE")
                    insert()

            yield insert_locked if lock else insert

    return open_writer


def seed(kyros: Kyros, events: int, console: Console) -> tuple[int, float]:
    """Saves tasks (Created + Updated) in batches of SEED_BATCH aggregates per transaction."""
    tasks = (events + 1) // 2
    saved = 0
    started = time.perf_counter()
    columns = (TextColumn("seeding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("seed", total=tasks * 2)
        while saved < tasks:
            batch: list[Task] = []
            for _ in range(min(SEED_BATCH, tasks - saved)):
                task = Task(**msgspec.structs.asdict(command()))
                task.update({"priority": "high", "tags": ["bench", "seeded"]}, actor="user_bench")
                batch.append(task)
            kyros.app.save(*batch)
            saved += len(batch)
            progress.advance(bar, 2 * len(batch))
    return saved * 2, time.perf_counter() - started


def raw_select(url: str) -> tuple[list[tuple[Any, ...]], float]:
    rows: list[tuple[Any, ...]] = []
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        position = 0
        while True:
            page = cur.execute(RAW_SELECT, (position, PAGE)).fetchall()
            if not page:
                break
            rows.extend(page)
            position = page[-1][0]
    return rows, time.perf_counter() - started


def library_select(kyros: Kyros) -> tuple[int, float]:
    """The recorder's own paged read (dict rows → Notification objects), as the engine does it."""
    count, position = 0, 0
    started = time.perf_counter()
    while page := kyros.app.recorder.select_notifications(
        start=position, limit=PAGE, inclusive_of_start=False
    ):
        count += len(page)
        position = page[-1].id
    return count, time.perf_counter() - started


def decode(kyros: Kyros, rows: list[tuple[Any, ...]]) -> float:
    notifications = [
        Notification(id=n, originator_id=o, originator_version=v, topic=t, state=bytes(s))
        for n, o, v, t, s in rows
    ]
    to_domain_event = kyros.app.mapper.to_domain_event
    started = time.perf_counter()
    for notification in notifications:
        to_domain_event(notification)
    return time.perf_counter() - started


def measure_writes(
    kyros: Kyros, url: str, seconds: float, rounds: int, console: Console
) -> dict[tuple[str, int], list[float]]:
    """Interleaves every configuration per round: disk sync latency drifts over minutes."""
    # Its own pool, as large as the callers: each save holds a connection for its transaction.
    env = {**store_env(kyros.settings), "POSTGRES_POOL_SIZE": str(max(WORKERS))}
    with closing(UngroupedApplication(env=env)) as ungrouped, closing(Connections(url)) as conns:
        return _measure_writes(kyros, ungrouped, conns, seconds, rounds, console)


def _measure_writes(
    kyros: Kyros,
    ungrouped: KyrosApplication,
    connections: Connections,
    seconds: float,
    rounds: int,
    console: Console,
) -> dict[tuple[str, int], list[float]]:
    created = Task(**msgspec.structs.asdict(command())).collect_events()[0]
    sample = kyros.app.mapper.to_stored_event(created)
    with connections.lend() as conn:
        for statement in RAW_DDL:
            conn.execute(statement)
    writers: dict[str, Writer] = {
        RAW: raw_writer(connections, sample.topic, sample.state, lock=False),
        RAW_LOCKED: raw_writer(connections, sample.topic, sample.state, lock=True),
        KYROS: lambda: nullcontext(lambda: create_task(kyros.app, command())),
        UNGROUPED: lambda: nullcontext(lambda: create_task(ungrouped, command())),
    }
    rates: dict[tuple[str, int], list[float]] = {}
    for round_no in range(1, rounds + 1):
        for label, writer in writers.items():
            for workers in WORKERS:
                ops, elapsed = measure(workers, seconds, writer)
                rates.setdefault((label, workers), []).append(ops / elapsed)
                console.print(
                    f"round {round_no} {label:<29} x{workers:<2} {ops:>6} ops"
                    f" in {elapsed:5.2f} s = {ops / elapsed:7,.0f} ops/s"
                )
    return rates


def write_table(writes: dict[tuple[str, int], list[float]], seconds: float) -> Table:
    rounds = len(next(iter(writes.values())))
    table = Table(title=f"Writes: median of {rounds} interleaved runs of {seconds:g} s")
    for heading in ("configuration", "threads", "median ops/s", "min..max ops/s"):
        table.add_column(heading, justify="left" if heading == "configuration" else "right")
    for (label, workers), values in writes.items():
        spread = f"{min(values):,.0f}..{max(values):,.0f}"
        table.add_row(label, str(workers), f"{statistics.median(values):,.0f}", spread)
    return table


def write_ratios(writes: dict[tuple[str, int], list[float]]) -> dict[str, float]:
    """Medians and the ratios the issue's goals are stated in, keyed by a printable name."""
    med = {key: statistics.median(values) for key, values in writes.items()}
    figures: dict[str, float] = {}
    for workers in WORKERS:
        kyros_rate, raw = med[(KYROS, workers)], med[(RAW, workers)]
        figures[f"Kyros create_task ops/s, {workers} thread(s)"] = kyros_rate
        figures[f"raw INSERT+COMMIT ops/s, {workers} thread(s)"] = raw
        figures[f"Kyros / raw INSERT+COMMIT, {workers} thread(s)"] = kyros_rate / raw
        figures[f"Kyros / raw LOCK TABLE+INSERT+COMMIT, {workers} thread(s)"] = (
            kyros_rate / med[(RAW_LOCKED, workers)]
        )
        figures[f"{UNGROUPED} / raw INSERT+COMMIT, {workers} thread(s)"] = (
            med[(UNGROUPED, workers)] / raw
        )
    for label in (RAW, RAW_LOCKED, KYROS, UNGROUPED):
        figures[f"{label}: 16 threads / 1 thread"] = med[(label, 16)] / med[(label, 1)]
    return figures


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A database of its own on `admin_url`'s server, dropped afterwards; yields its URL."""
    name = f"kyros_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(admin_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def bench_writes(
    admin_url: str, seconds: float = 3.0, rounds: int = 3, console: Console | None = None
) -> dict[str, float]:
    """The create-task write rows on a scratch database: Kyros beside raw INSERT+COMMIT at 1 and
    16 threads, interleaved; returns `write_ratios`' figures (for `scripts/bench.py`)."""
    console = console or Console(quiet=True)
    with scratch_database(admin_url) as url, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=url, data_dir=Path(tmp), postgres_pool_size=POOL)
        with Kyros(settings) as kyros:
            return write_ratios(measure_writes(kyros, url, seconds, rounds, console))


def run(kyros: Kyros, url: str, args: argparse.Namespace, console: Console) -> None:
    writes = measure_writes(kyros, url, args.seconds, args.rounds, console)
    console.print(write_table(writes, args.seconds))
    ratios = Table(title="Write ratios")
    ratios.add_column("figure")
    ratios.add_column("value", justify="right")
    for label, value in write_ratios(writes).items():
        ratios.add_row(label, f"{value:,.0f}" if "ops/s" in label else f"{value:.3f}")
    console.print(ratios)
    if args.writes_only:
        return
    seeded, seed_s = seed(kyros, args.events, console)
    console.print(f"seeded {seeded} events in {seed_s:.1f} s; log head at {kyros.app.head()}")

    started = time.perf_counter()
    kyros.engine.reset("tasks")
    reset_s = time.perf_counter() - started
    position = kyros.engine.catch_up("tasks", PAGE)
    rebuild_s = time.perf_counter() - started
    with kyros.db.transaction(write=False) as tx:
        row = tx.execute("SELECT count(*) AS n FROM rm_tasks").fetchone()
    console.print(f"rebuilt to position {position}: {row['n'] if row else 0} rows in rm_tasks")

    rows, select_s = raw_select(url)
    library_rows, library_s = library_select(kyros)
    decode_s = decode(kyros, rows)
    count = len(rows)
    assert library_rows == count, (library_rows, count)
    apply_s = rebuild_s - reset_s - library_s - decode_s

    table = Table(title=f"Rebuild of the tasks read model over {count:,} events")
    for heading in ("measurement", "seconds", "events/s"):
        table.add_column(heading, justify="left" if heading == "measurement" else "right")
    for label, secs in (
        (f"seed: app.save({SEED_BATCH} tasks x 2 events)", seed_s),
        (f"rebuild: engine.reset + catch_up('tasks', {PAGE})", rebuild_s),
        ("  reset (DELETE the read model)", reset_s),
        (f"raw psycopg SELECT, pages of {PAGE}", select_s),
        (f"recorder.select_notifications, pages of {PAGE}", library_s),
        ("mapper.to_domain_event only", decode_s),
        ("apply+tracking = rebuild - reset - recorder read - decode", apply_s),
    ):
        n = seeded if label.startswith("seed") else count
        table.add_row(label, f"{secs:.2f}", "" if "reset (" in label else f"{n / secs:,.0f}")
    console.print(table)

    ratios = Table(title="Rebuild ratios")
    ratios.add_column("ratio")
    ratios.add_column("value", justify="right")
    ratios.add_row("rebuild time / raw select time", f"{rebuild_s / select_s:.1f}")
    ratios.add_row("decode time / raw select time", f"{decode_s / select_s:.2f}")
    ratios.add_row("apply+tracking share of rebuild", f"{apply_s / rebuild_s:.0%}")
    console.print(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of one write run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved write rounds")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--writes-only", action="store_true", help="skip seeding and rebuild")
    args = parser.parse_args()
    if args.rounds < 1 or args.events < 2:
        parser.error("--rounds must be at least 1 and --events at least 2")
    console = Console()
    with scratch_database(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        console.print(f"scratch database {urlsplit(url).path[1:]}")
        settings = Settings(database_url=url, data_dir=Path(tmp), postgres_pool_size=POOL)
        with Kyros(settings) as kyros:
            run(kyros, url, args, console)


if __name__ == "__main__":
    main()
