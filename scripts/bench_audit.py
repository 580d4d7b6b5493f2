"""Measures the audit chain: chaining a log, and verifying it, beside bare SELECTs of its rows.

Seeds a realistic mix (tests/builders/history.py), or with `--seed tasks` the quick task log
of benchkit (Created + Updated, a thousand tasks per transaction: 1M events in minutes).
`--keep DIR` keeps the SQLite store (log and chain) for the next run, which reuses it.
Figures are events per second of wall time and of this process's CPU time (the machine may
be shared: CPU time is what the code costs); nothing is asserted. Usage:

    .venv/bin/python scripts/bench_audit.py --events 200000 --sqlite
    .venv/bin/python scripts/bench_audit.py --events 1000000 --seed tasks --keep /tmp/log1m
    .venv/bin/python scripts/bench_audit.py --events 200000 --seed tasks \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from benchkit.kept import bench_store
from benchkit.seeding import seed
from benchkit.stores import Store
from rich.console import Console

from kyros.audit import batch
from kyros.audit.chainer import CheckpointPolicy
from kyros.audit.link import GENESIS
from kyros.audit.verify import BATCH, _Walk, verify
from kyros.bootstrap import Kyros

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the history builder is shared
from tests.builders.history import seed_mix

SQL = {
    "postgres": "SELECT notification_id, originator_id, originator_version, topic, state"
    " FROM kyros_events WHERE notification_id > %s ORDER BY notification_id LIMIT %s",
    "sqlite": "SELECT rowid, originator_id, originator_version, topic, state"
    " FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT ?",
}


def bare_select(store: Store) -> int:
    """The floor: the same rows by the driver alone (tuples, binary on PostgreSQL)."""
    count, after = 0, 0
    if store.database_url:
        with psycopg.connect(store.database_url) as conn, conn.cursor(binary=True) as cur:
            while rows := cur.execute(SQL["postgres"], (after, BATCH)).fetchall():
                count, after = count + len(rows), rows[-1][0]
        return count
    with sqlite3.connect(store.settings().sqlite_path) as conn:
        while rows := conn.execute(SQL["sqlite"], (after, BATCH)).fetchall():
            count, after = count + len(rows), rows[-1][0]
    return count


def verify_read(kyros: Kyros) -> int:
    """What verification reads: the rows through the store's lean cursor, and the links."""
    count, after = 0, 0
    with kyros.db.transaction(write=False) as tx:
        while rows := batch.read_events(tx, kyros.db.dialect, after, 2**62, BATCH):
            batch.read_links(tx, after, rows[-1][0])
            count, after = count + len(rows), rows[-1][0]
    return count


def walk(kyros: Kyros) -> bool:
    """Event by event (the careful walk verification falls back to; verify before batches)."""
    with kyros.db.transaction(write=False) as tx:
        return _Walk(tx, kyros.db.dialect, kyros.audit.key.public_key())._walk(0, GENESIS).ok


def timed(label: str, events: int, run: Any) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{label:<40} {events / wall:>10,.0f} events/s wall ({wall:6.2f} s)"
        f" {events / cpu:>10,.0f} events/s CPU   {result}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", choices=("mix", "tasks"), default="mix")
    parser.add_argument("--keep", type=Path, default=None, help="a SQLite data dir to keep")
    parser.add_argument("--sqlite", action="store_true", help="(the default without a URL)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--walk", action="store_true", help="also time the event-by-event walk")
    args = parser.parse_args()
    url = None if args.sqlite else args.database_url
    with (
        bench_store(url, args.keep) as (store, head),
        Kyros(store.settings(database_timeout_seconds=300)) as kyros,
    ):
        kyros.audit.policy = CheckpointPolicy(events=1000, interval=timedelta(hours=1))
        if head == 0:
            started = time.perf_counter()
            if args.seed == "mix":
                head = seed_mix(kyros.app, args.events)
            else:
                head = seed(kyros, args.events, Console())[0]
            print(f"seeded {head} events in {time.perf_counter() - started:.0f} s")
            timed("chain from zero (links + checkpoints)", head, kyros.audit.catch_up)
        print(f"store: {store.kind}, {head} events, machine load {_load()}")
        timed("bare SELECT (driver, tuples)", head, lambda: bare_select(store))
        timed("verify's reads (events + links)", head, lambda: verify_read(kyros))
        if args.walk:
            timed("event-by-event walk", head, lambda: walk(kyros))
        key = kyros.audit.key.public_key()
        timed("verify (recompute + compare)", head, lambda: verify(kyros.db, key).ok)


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
