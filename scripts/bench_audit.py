"""Measures the audit chain: chaining a log from zero, and verifying it, beside a bare SELECT.

The log is a realistic mix (tests/builders/history.py). Figures are events per second of wall
time on this machine; nothing is asserted. Usage:

    .venv/bin/python scripts/bench_audit.py --events 200000 --sqlite
    .venv/bin/python scripts/bench_audit.py --events 200000 \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from kyros.audit.chainer import CheckpointPolicy
from kyros.audit.stored import PAGE, read_stored
from kyros.audit.verify import verify
from kyros.bootstrap import Kyros
from kyros.eventstore.log_sql import stored_rows
from kyros.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the history builder is shared
from tests.builders.history import seed_mix

SCRATCH = "chain_scratch"


@contextmanager
def _kyros(args: argparse.Namespace) -> Iterator[Kyros]:
    with tempfile.TemporaryDirectory() as tmp:
        if args.sqlite:
            with Kyros(Settings(data_dir=Path(tmp), database_timeout_seconds=300)) as kyros:
                yield kyros
            return
        url = urlsplit(args.database_url)._replace(path=f"/{SCRATCH}").geturl()
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH))
        with psycopg.connect(args.database_url, autocommit=True) as admin:
            admin.execute(drop)
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH)))
        try:
            settings = Settings(database_url=url, data_dir=Path(tmp), database_timeout_seconds=300)
            with Kyros(settings) as kyros:
                yield kyros
        finally:
            with psycopg.connect(args.database_url, autocommit=True) as admin:
                admin.execute(drop)


def _select_only(kyros: Kyros) -> int:
    """The floor: reading the same rows, without hashing or decoding anything."""
    count, after = 0, 0
    with kyros.db.transaction(write=False) as tx:
        while rows := tx.execute(stored_rows(kyros.db.dialect), (after, 2**62, PAGE)).fetchall():
            count += len(rows)
            after = int(rows[-1]["position"])
    return count


def _read_only(kyros: Kyros) -> int:
    """Reading and reading each event's recorded time (what verification adds to a SELECT)."""
    count, after = 0, 0
    with kyros.db.transaction(write=False) as tx:
        while page := read_stored(tx, kyros.db.dialect, after, 2**62, PAGE):
            count += len(page)
            after = page[-1].position
    return count


def _timed(label: str, events: int, run: object) -> None:
    started = time.perf_counter()
    result = run()  # type: ignore[operator]
    took = time.perf_counter() - started
    print(f"{label:<38} {events / took:>12,.0f} events/s   ({took:.2f} s)  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with _kyros(args) as kyros:
        head = seed_mix(kyros.app, args.events)
        print(f"store: {'sqlite' if args.sqlite else 'postgres'}, {head} events")
        kyros.audit.policy = CheckpointPolicy(events=1000, interval=timedelta(hours=1))
        _timed("SELECT the stored rows", head, lambda: _select_only(kyros))
        _timed("SELECT + read recorded times", head, lambda: _read_only(kyros))
        _timed("chain from zero (links + checkpoints)", head, kyros.audit.catch_up)
        key = kyros.audit.key.public_key()
        _timed("verify (recompute + compare)", head, lambda: verify(kyros.db, key).ok)


if __name__ == "__main__":
    main()
