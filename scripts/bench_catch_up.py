"""Measures catching up every read model over a seeded log, against a raw read+decode baseline.

Three ways over the same log, interleaved per round (the machine is shared and noisy):
  raw       the recorder's paged SELECT and `mapper.to_domain_event` of every event, nothing
            applied: the ceiling for any follower;
  together  every read model reset, then one `catch_up_all`: one read and decode per page for
            all of them (what the server's reader and `kyros projections rebuild --all` do);
  apart     every read model reset, then `catch_up` of each in turn: each reads the log alone,
            as each read model's own worker did before (run with --apart; slow).
`kyros projections rebuild --all` is timed as a separate process with --cli.

    .venv/bin/python scripts/bench_catch_up.py --events 200000
    .venv/bin/python scripts/bench_catch_up.py --events 200000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import msgspec
import psycopg
from benchkit.writes import command
from psycopg import sql

from kyros.bootstrap import Kyros
from kyros.domain.task import Task
from kyros.settings import Settings

SEED_BATCH = 1000
PAGE = 2000


def seed(kyros: Kyros, events: int) -> float:
    """Tasks created and updated (two events each), SEED_BATCH tasks per transaction."""
    started = time.perf_counter()
    for first in range(0, (events + 1) // 2, SEED_BATCH):
        batch = []
        for _ in range(min(SEED_BATCH, (events + 1) // 2 - first)):
            task = Task(**msgspec.structs.asdict(command()))
            task.update({"priority": "high", "tags": ["bench", "seeded"]}, actor="user_bench")
            batch.append(task)
        kyros.app.save(*batch)
    return time.perf_counter() - started


def raw_read_decode(kyros: Kyros, page: int = PAGE) -> tuple[int, float]:
    """Events read and decoded, seconds: the recorder's paged read and the mapper, no apply."""
    decode = kyros.app.mapper.to_domain_event
    count, position = 0, 0
    started = time.perf_counter()
    while notifications := kyros.app.recorder.select_notifications(
        start=position, limit=page, inclusive_of_start=False
    ):
        for notification in notifications:
            decode(notification)
        count += len(notifications)
        position = notifications[-1].id
    return count, time.perf_counter() - started


def catch_up_together(kyros: Kyros, page: int = PAGE) -> float:
    """Seconds to reset every read model and catch them all up with one reader."""
    names = sorted(kyros.engine.projections)
    started = time.perf_counter()
    for name in names:
        kyros.engine.reset(name)
    results = kyros.engine.catch_up_all(names, page)
    elapsed = time.perf_counter() - started
    errors = {n: s.error for n, s in results.items() if s.error is not None}
    assert not errors, errors
    return elapsed


def catch_up_apart(kyros: Kyros, page: int = PAGE) -> float:
    """Seconds to reset every read model and catch each up alone, one after the other."""
    names = sorted(kyros.engine.projections)
    started = time.perf_counter()
    for name in names:
        kyros.engine.reset(name)
        kyros.engine.catch_up(name, page)
    return time.perf_counter() - started


def rebuild_all_cli(settings: Settings, page: int = PAGE) -> float:
    """Seconds `kyros projections rebuild --all` takes as its own process (start-up included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    env["KYROS_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["KYROS_DATABASE_URL"] = settings.database_url
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kyros", "projections", "rebuild", "--all", f"--page-size={page}"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def measure(
    kyros: Kyros, rounds: int, *, apart: bool = False, cli: bool = False
) -> dict[str, list[float]]:
    """Events/s of each way per round, interleaved; the log is the one already seeded."""
    events = kyros.app.head()
    ways = {
        "raw SELECT+decode (no apply)": lambda: raw_read_decode(kyros)[1],
        "catch_up_all: one reader, every read model": lambda: catch_up_together(kyros),
    }
    if apart:
        ways["catch_up of each read model alone"] = lambda: catch_up_apart(kyros)
    if cli:
        ways["kyros projections rebuild --all (process)"] = lambda: rebuild_all_cli(kyros.settings)
    rates: dict[str, list[float]] = {label: [] for label in ways}
    for round_no in range(1, rounds + 1):
        for label, way in ways.items():
            seconds = way()
            rates[label].append(events / seconds)
            print(f"round {round_no} {label:<45} {seconds:7.2f} s {events / seconds:10,.0f} ev/s")
    return rates


def report(rates: dict[str, list[float]], events: int, store: str, models: int) -> None:
    print(f"\n{store}, {events:,} events, {models} read models; median ev/s (min..max)")
    raw = statistics.median(rates["raw SELECT+decode (no apply)"])
    for label, values in rates.items():
        median = statistics.median(values)
        print(
            f"  {label:<45} {median:10,.0f} ({min(values):,.0f}..{max(values):,.0f})"
            f"  {median / raw:5.2f}x raw  {events / median:7.2f} s"
        )


@contextmanager
def bench_kyros(database_url: str | None) -> Iterator[Kyros]:
    """A Kyros on a fresh SQLite file, or on a fresh PostgreSQL database dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        if database_url is None:
            with Kyros(Settings(data_dir=Path(tmp))) as kyros:
                yield kyros
            return
        name = f"kyros_bench_{uuid.uuid4().hex[:10]}"
        url = urlsplit(database_url)._replace(path=f"/{name}").geturl()
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            with Kyros(Settings(database_url=url, data_dir=Path(tmp))) as kyros:
                yield kyros
        finally:
            with psycopg.connect(database_url, autocommit=True) as admin:
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                admin.execute(drop.format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="PostgreSQL; SQLite if omitted")
    parser.add_argument("--apart", action="store_true", help="also each read model alone")
    parser.add_argument("--cli", action="store_true", help="also `projections rebuild --all`")
    args = parser.parse_args()
    with bench_kyros(args.database_url) as kyros:
        seconds = seed(kyros, args.events)
        events = kyros.app.head()
        print(f"seeded {events:,} events in {seconds:.1f} s")
        rates = measure(kyros, args.rounds, apart=args.apart, cli=args.cli)
        store = "PostgreSQL" if args.database_url else "SQLite"
        report(rates, events, store, len(kyros.engine.projections))


if __name__ == "__main__":
    main()
