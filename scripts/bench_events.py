"""Measures reading the log through the events API's query: pages of 1,000 and sparse filters.

Seeds a log of tasks (Created + Updated events), then times `read_page` at random positions:
every event, one type (half the log), an actor nobody has (a page reads its whole window
budget and answers empty), and one entity's history. Prints p50 and p99 per case. Usage:

    .venv/bin/python scripts/bench_events.py --events 200000
    .venv/bin/python scripts/bench_events.py --events 200000 \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from benchkit.seeding import seed
from benchkit.stores import temporary_store
from rich.console import Console
from rich.table import Table

from kyros.bootstrap import Kyros
from kyros.domain.event_catalogue import BY_NAME
from kyros.queries.entity_history import entity_query
from kyros.queries.events import EventQuery, log_head, read_page


def timed(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.99 * len(samples)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    console = Console()
    with temporary_store(args.database_url) as store, Kyros(store.settings()) as kyros:
        seeded, seconds = seed(kyros, args.events, console)
        console.print(f"{store.kind}: seeded {seeded} events in {seconds:.1f} s")
        head = log_head(kyros.db)
        task = next(iter(read_page(kyros.db, EventQuery(limit=1))[0]))["entity"]["id"]
        pick = lambda: random.randint(0, max(head - 1_000, 0))  # noqa: E731
        created = (BY_NAME["task.created"],)
        cases = {
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
        for column in ("case", "p50 ms", "p99 ms"):
            table.add_column(column)
        for name, run in cases.items():
            p50, p99 = timed(run, args.rounds)
            table.add_row(name, f"{p50:.1f}", f"{p99:.1f}")
        console.print(table)


if __name__ == "__main__":
    main()
