"""Times what analysts run over a whole log: the analytics rebuild and a what-if replay.

The log is seeded with the realistic mix of `tests/builders/history.py` (tasks created,
updated, submitted, escalated, claimed, completed with token usage or failed and retried), in
batches. Then, timed: `kyros projections rebuild analytics` (shadow tables, swapped in), the
other read models a what-if reads, and a what-if of two scenarios (another default model;
dearer prices) over every attempt in the log. Goals of issue #16 at 1M events: rebuild ≤ 30 s,
what-if ≤ 60 s. Usage:

    .venv/bin/python scripts/bench_analytics.py --events 200000 \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python scripts/bench_analytics.py --events 200000 --sqlite
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchkit
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the history builder is shared
from benchkit.stores import temporary_store

from kyros.bootstrap import Kyros
from kyros.domain.what_if_scenario import PriceOverride, RoutingOverride, Scenario
from kyros.projections.shadow import rebuild
from kyros.queries.what_if import count_attempts, what_if
from kyros.timefmt import now
from tests.builders.history import seed_mix

GOALS = {"analytics rebuild": 30.0, "what-if": 60.0}  # seconds at 1M events
SCENARIOS = (
    Scenario(name="claude default", routing=RoutingOverride(default_model="claude-4.1-opus")),
    Scenario(
        name="dearer glm",
        prices={"glm-4.5": PriceOverride(input_per_1k=Decimal("0.002"))},
        routing=RoutingOverride(complexity_threshold=0.5),
    ),
)


def seed(kyros: Kyros, events: int, console: Console) -> float:
    columns = (TextColumn("seeding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    started = time.perf_counter()
    with Progress(*columns, console=console, transient=True) as bar:
        job = bar.add_task("seed", total=events)
        seed_mix(kyros.app, events, lambda head: bar.update(job, completed=head))
    return time.perf_counter() - started


def timed(step: object, *args: object) -> float:
    started = time.perf_counter()
    step(*args)  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--page-size", type=int, default=2000)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database-url", help="an admin URL; a fresh database is made beside it")
    where.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    console = Console(stderr=True)
    with (
        temporary_store(None if args.sqlite else args.database_url) as store,
        Kyros(store.settings(database_timeout_seconds=600, postgres_pool_size=4)) as kyros,
    ):
        seeded = seed(kyros, args.events, console)
        head = kyros.app.head()
        rebuilt = timed(rebuild, kyros.engine, ["analytics"], args.page_size)
        others = ["tasks", "configuration", "agent_roles"]
        inputs = timed(rebuild, kyros.engine, others, args.page_size)
        window = (now() - timedelta(days=1), now() + timedelta(days=1))
        attempts = count_attempts(kyros.db, window)
        started = time.perf_counter()
        answer = what_if(kyros.db, kyros.catalog, window, SCENARIOS)
        replayed = time.perf_counter() - started
    table = Table("step", "seconds", "events/s or attempts/s", f"goal at 1M ({store.kind})")
    table.add_row("seed", f"{seeded:.1f}", f"{head / seeded:,.0f}", "")
    rate = head / rebuilt
    goal = f"≤ {GOALS['analytics rebuild']:.0f} s: {'met' if rate * 30 >= 1e6 else 'not met'}"
    table.add_row("analytics rebuild", f"{rebuilt:.1f}", f"{rate:,.0f}", goal)
    table.add_row("what-if inputs rebuild (tasks, config, roles)", f"{inputs:.1f}", "", "")
    per_event = replayed / head
    goal = f"≤ {GOALS['what-if']:.0f} s: {'met' if per_event * 1e6 <= 60 else 'not met'}"
    table.add_row("what-if (2 scenarios)", f"{replayed:.1f}", f"{attempts / replayed:,.0f}", goal)
    Console().print(table)
    runs = answer["scenarios"]
    print(f"log: {head:,} events; attempts replayed: {attempts:,}")
    print(
        f"actual {answer['actual']['total_cost']} USD; "
        + "; ".join(
            f"{run['name']} {run['total_cost']} USD ({run['routes_changed']:,} routes changed)"
            for run in runs
        )
    )


if __name__ == "__main__":
    main()
