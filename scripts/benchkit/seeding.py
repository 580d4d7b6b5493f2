"""A large log quickly (tasks saved in batches), and the read-side baselines over it."""

from __future__ import annotations

import time
import uuid
from typing import Any

import msgspec
import psycopg
from eventsourcing.persistence import Notification
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from benchkit.stores import Store
from benchkit.writes import command
from kyros.bootstrap import Kyros
from kyros.domain.task import Task
from kyros.projections import shadow

SEED_BATCH = 1000
PAGE = 2000
PG_SELECT = (
    "SELECT notification_id, originator_id, originator_version, topic, state FROM kyros_events"
    " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
)
SQLITE_SELECT = (
    "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events"
    " WHERE rowid > ? ORDER BY rowid LIMIT ?"
)
Row = tuple[Any, ...]


def seed(kyros: Kyros, events: int, console: Console) -> tuple[int, float]:
    """Saves tasks (Created + Updated) SEED_BATCH aggregates per transaction; (events, s)."""
    tasks = (events + 1) // 2
    saved = 0
    started = time.perf_counter()
    columns = (TextColumn("seeding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
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


def raw_select(store: Store) -> tuple[list[Row], float]:
    """Every stored event by plain paged SELECTs (psycopg or sqlite3), no library in between."""
    rows: list[Row] = []
    started = time.perf_counter()
    if store.database_url:
        with psycopg.connect(store.database_url) as conn, conn.cursor() as cur:
            position = 0
            while page := cur.execute(PG_SELECT, (position, PAGE)).fetchall():
                rows.extend(page)
                position = page[-1][0]
    else:
        import sqlite3

        with sqlite3.connect(store.settings().sqlite_path) as conn:
            position = 0
            while page := conn.execute(SQLITE_SELECT, (position, PAGE)).fetchall():
                rows.extend(page)
                position = page[-1][0]
    return rows, time.perf_counter() - started


def decode_events(kyros: Kyros, rows: list[Row]) -> float:
    """Seconds to turn the rows into domain events with the library's mapper."""
    notifications = [
        Notification(
            id=n,
            originator_id=o if isinstance(o, uuid.UUID) else uuid.UUID(o),
            originator_version=v,
            topic=t,
            state=bytes(s),
        )
        for n, o, v, t, s in rows
    ]
    to_domain_event = kyros.app.mapper.to_domain_event
    started = time.perf_counter()
    for notification in notifications:
        to_domain_event(notification)
    return time.perf_counter() - started


def decode_states(rows: list[Row]) -> float:
    """Seconds to decode the rows' states (msgpack) with msgspec: the least a consumer does."""
    states = [bytes(row[4]) for row in rows]
    decode = msgspec.msgpack.decode
    started = time.perf_counter()
    for state in states:
        decode(state)
    return time.perf_counter() - started


def rebuild(kyros: Kyros, name: str, page: int = PAGE) -> float:
    """Seconds to rebuild one read model up to the head as `kyros projections rebuild NAME`
    does: in shadow tables, swapped in once caught up."""
    started = time.perf_counter()
    stepped = shadow.rebuild(kyros.engine, [name], page)
    if stepped[name].error is not None:
        raise RuntimeError(f"{name} failed while rebuilding: {stepped[name].error}")
    return time.perf_counter() - started


def catch_up_all(kyros: Kyros, page: int = PAGE) -> tuple[int, float]:
    """Empties every read model and catches them up together, one read of the log for all
    (what the server's reader and `projections rebuild --all` do); (read models, seconds)."""
    names = sorted(kyros.engine.projections)
    started = time.perf_counter()
    for name in names:
        kyros.engine.reset(name)
    stepped = kyros.engine.catch_up_all(names, page)
    failed = {n: s.error for n, s in stepped.items() if s.error is not None}
    if failed:
        raise RuntimeError(f"read models failed while catching up: {failed}")
    return len(names), time.perf_counter() - started
