"""Measures reading the log through the events API's query: pages of 1,000 and sparse filters.

Seeds a log of tasks (Created + Updated events), then times `read_page` at random positions:
every event, one type (half the log), an actor nobody has (a page reads its whole window
budget and answers empty), and one entity's history; beside them the floor, a bare SELECT of
1,000 rows decoded with msgspec. Prints p50 and p99 per case, of wall time and of this
process's CPU time (the machine may be shared). `--keep DIR` keeps the SQLite store for the
next run, which reuses it. Usage:

    .venv/bin/python scripts/bench_events.py --events 200000
    .venv/bin/python scripts/bench_events.py --events 1000000 --keep /tmp/log1m
    .venv/bin/python scripts/bench_events.py --events 200000 \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from benchkit.kept import bench_store
from benchkit.seeding import PG_SELECT, SQLITE_SELECT, seed
from benchkit.stores import Store
from rich.console import Console
from rich.table import Table

from kyros.bootstrap import Kyros
from kyros.domain.event_catalogue import BY_NAME
from kyros.eventstore.transcoder import MsgpackTranscoder
from kyros.queries.entity_history import entity_query
from kyros.queries.events import EventQuery, log_head, read_page


def timed(run: Callable[[], object], rounds: int) -> tuple[float, float, float, float]:
    """p50 and p99 of wall time, then of CPU time, in ms."""
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return (*_p50_p99(walls), *_p50_p99(cpus))


def _p50_p99(samples: list[float]) -> tuple[float, float]:
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.99 * len(samples)))]


class BareRead:
    """The floor of a page: 1,000 stored rows by the driver alone, each state decoded by
    msgspec (with the store's extension types), nothing else."""

    def __init__(self, store: Store) -> None:
        self.decode = MsgpackTranscoder().decode
        if store.database_url:
            self.conn: Any = psycopg.connect(store.database_url, autocommit=True)
            self.sql = PG_SELECT
        else:
            self.conn = sqlite3.connect(store.settings().sqlite_path)
            self.sql = SQLITE_SELECT

    def page(self, after: int) -> list[Any]:
        rows = self.conn.execute(self.sql, (after, 1_000)).fetchall()
        return [self.decode(row[4]) for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--keep", type=Path, default=None, help="a SQLite data dir to keep")
    args = parser.parse_args()
    console = Console()
    with (
        bench_store(args.database_url, args.keep) as (store, head),
        Kyros(store.settings()) as kyros,
    ):
        if head == 0:
            seeded, seconds = seed(kyros, args.events, console)
            console.print(f"{store.kind}: seeded {seeded} events in {seconds:.1f} s")
        head = log_head(kyros.db)
        bare = BareRead(store)
        task = next(iter(read_page(kyros.db, EventQuery(limit=1))[0]))["entity"]["id"]
        pick = lambda: random.randint(0, max(head - 1_000, 0))  # noqa: E731
        created = (BY_NAME["task.created"],)
        cases = {
            "floor: bare SELECT + msgspec, 1,000 rows": lambda: bare.page(pick()),
            "page of 1,000, every type": lambda: read_page(
                kyros.db, EventQuery(after=pick(), limit=1_000)
            ),
            "page of 1,000, type=task.created": lambda: read_page(
                kyros.db, EventQuery(after=pick(), limit=1_000, types=created)
            ),
            "actor nobody is (empty page)": lambda: read_page(
                kyros.db, EventQuery(after=pick(), limit=1_000, actor="user_nobody")
            ),
            "one task's history": lambda: read_page(kyros.db, entity_query("task", task, 0, 100)),
        }
        table = Table(title=f"events API reads, {store.kind}, {head} events")
        for column in ("case", "p50 ms", "p99 ms", "CPU p50 ms", "CPU p99 ms"):
            table.add_column(column)
        for name, run in cases.items():
            table.add_row(name, *(f"{figure:.1f}" for figure in timed(run, args.rounds)))
        console.print(table)


if __name__ == "__main__":
    main()
