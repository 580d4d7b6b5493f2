"""Measures each read model's rebuild beside SELECT + decode of the same rows, in one run.

The log is seeded with a realistic mix (tasks created, updated, submitted, claimed,
progressed, completed with token usage or failed, escalations, budget ledgers, agents, a
webhook endpoint). The log is then read and decoded once, timed (the baseline); every read
model is emptied and the decoded pages are applied to it, each page in one transaction with
its tracking update, as the engine does. A read model's rebuild rate is
events / (read + decode + apply): what a rebuild costs when one reader feeds it.

Importable: `seed_mix(app, events)` and `measure(kyros, ...)` return figures; `main()`
prints them. Usage:

    .venv/bin/python scripts/bench_projections.py --events 200000 \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python scripts/bench_projections.py --events 200000 --sqlite
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from kyros.bootstrap import Kyros
from kyros.eventstore.application import KyrosApplication
from kyros.projections.engine import Projection
from kyros.projections.storable_cursor import storable_cursor
from kyros.settings import Settings
from kyros.timefmt import now, sortable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the history builder is shared
from tests.builders.history import seed_mix

PAGE = 2000


Page = list[tuple[int, Any]]


def read_log(app: KyrosApplication, page: int = PAGE) -> tuple[list[Page], float, float]:
    """Every page of the log, decoded; (pages, select seconds, decode seconds)."""
    notifications = []
    started = time.perf_counter()
    position = 0
    while found := app.recorder.select_notifications(
        start=position, limit=page, inclusive_of_start=False
    ):
        notifications.append(found)
        position = found[-1].id
    selected = time.perf_counter()
    to_domain_event = app.mapper.to_domain_event
    pages = [[(n.id, to_domain_event(n)) for n in found] for found in notifications]
    return pages, selected - started, time.perf_counter() - selected


def apply_all(
    kyros: Kyros, name: str, pages: Sequence[Page], projection: Projection | None = None
) -> float:
    """Empties `name` and applies every page as the engine does (page + tracking, one
    transaction each) with `projection` (the engine's by default); returns the seconds the
    applies took (emptying excluded)."""
    kyros.engine.reset(name)
    projection = projection or kyros.engine.projections[name]
    db = kyros.db
    position = 0
    started = time.perf_counter()
    for page in pages:
        end = page[-1][0]
        with db.transaction() as tx:
            tx.execute(
                "UPDATE projection_positions SET position = ?, updated_at = ? "
                "WHERE name = ? AND position = ?",
                (end, sortable(now()), name, position),
            )
            projection.apply(storable_cursor(tx, db.dialect), page)
        position = end
    return time.perf_counter() - started


@dataclass(frozen=True)
class Figure:
    name: str
    events: int
    apply_s: float
    select_s: float  # SELECT of the same rows, this round
    decode_s: float  # their decoding

    @property
    def baseline_s(self) -> float:
        return self.select_s + self.decode_s

    @property
    def rebuild_rate(self) -> float:
        return self.events / (self.baseline_s + self.apply_s)

    @property
    def apply_rate(self) -> float:
        return self.events / self.apply_s

    @property
    def baseline_rate(self) -> float:
        return self.events / self.baseline_s

    @property
    def ratio(self) -> float:
        return self.rebuild_rate / self.baseline_rate


def measure(
    kyros: Kyros,
    names: Sequence[str] | None = None,
    page: int = PAGE,
    rounds: int = 1,
    before: dict[str, Projection] | None = None,
) -> list[list[Figure]]:
    """Per round, the log is read and decoded once (the baseline), then every read model is
    rebuilt from those pages; rounds interleave baseline and applies on a noisy machine.
    With `before` (older implementations by name), each is rebuilt right after its successor
    from the same pages, as `NAME (before)`."""
    chosen = list(names or kyros.engine.projections)
    results = []
    for _ in range(rounds):
        pages, select_s, decode_s = read_log(kyros.app, page)
        events = sum(len(p) for p in pages)
        figures = []
        for name in chosen:
            figures.append(Figure(name, events, apply_all(kyros, name, pages), select_s, decode_s))
            if before and name in before:
                seconds = apply_all(kyros, name, pages, before[name])
                figures.append(Figure(f"{name} (before)", events, seconds, select_s, decode_s))
        results.append(figures)
    return results


def load_projections(checkout: Path) -> dict[str, Projection]:
    """The read models of another checkout of Kyros (e.g. `git archive main`), by name, for
    a before/after comparison in one run: their modules load beside this checkout's."""
    found: dict[str, Projection] = {}
    paths = [*sorted((checkout / "kyros/projections").glob("*.py"))]
    paths.append(checkout / "kyros/webhooks/outbox.py")
    for path in paths:
        if path.stem in ("engine", "worker", "registry", "__init__"):
            continue
        spec = importlib.util.spec_from_file_location(f"kyros_before_{path.stem}", path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and isinstance(getattr(value, "name", None), str)
                and hasattr(value, "apply")
            ):
                found[value.name] = value()
    return found


@contextmanager
def _kyros(args: argparse.Namespace, console: Console) -> Iterator[Kyros]:
    with tempfile.TemporaryDirectory() as tmp:
        if args.sqlite:
            with Kyros(Settings(data_dir=Path(tmp), database_timeout_seconds=120)) as kyros:
                yield kyros
            return
        name = f"kyros_bench_{uuid.uuid4().hex[:10]}"
        url = urlsplit(args.database_url)._replace(path=f"/{name}").geturl()
        with psycopg.connect(args.database_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            settings = Settings(
                database_url=url,
                data_dir=Path(tmp),
                postgres_pool_size=4,
                database_timeout_seconds=120,  # a loaded machine must not cut a long page
            )
            with Kyros(settings) as kyros:
                yield kyros
        finally:
            with psycopg.connect(args.database_url, autocommit=True) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def print_figures(console: Console, rounds: list[list[Figure]], title: str) -> None:
    table = Table(title=title)
    headings = (
        "read model",
        "apply s",
        "apply ev/s",
        "rebuild ev/s",
        "SELECT+decode ev/s",
        "ratio",
    )
    for heading in headings:
        table.add_column(heading, justify="left" if heading == "read model" else "right")
    for column in zip(*rounds, strict=True):
        best = min(column, key=lambda f: f.apply_s)
        table.add_row(
            best.name,
            f"{best.apply_s:.2f}",
            f"{best.apply_rate:,.0f}",
            f"{best.rebuild_rate:,.0f}",
            f"{best.baseline_rate:,.0f}",
            f"{best.ratio:.2f}",
        )
    last = rounds[-1]
    for label, chosen in (
        ("all, one shared read", [f for f in last if not f.name.endswith("(before)")]),
        ("all (before), one shared read", [f for f in last if f.name.endswith("(before)")]),
    ):
        if not chosen:
            continue
        applies = sum(f.apply_s for f in chosen)
        events, total = chosen[0].events, applies + chosen[0].baseline_s
        table.add_row(label, f"{applies:.2f}", f"{events / applies:,.0f}", f"{events / total:,.0f}")
        console.print(f"{label}: caught up over {events:,} events in {total:.1f} s")
    console.print(table)
    console.print(
        f"SELECT {last[0].select_s:.2f} s + decode {last[0].decode_s:.2f} s"
        f" of {last[0].events:,} events (last round)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--page", type=int, default=PAGE)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="read model names (default: all)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument(
        "--before", type=Path, help="another checkout whose read models to time alongside"
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    console = Console(width=110)
    with _kyros(args, console) as kyros:
        started = time.perf_counter()
        head = seed_mix(kyros.app, args.events)
        console.print(f"seeded {head:,} events in {time.perf_counter() - started:.1f} s")
        kyros.engine.setup()
        before = load_projections(args.before) if args.before else None
        rounds = measure(kyros, args.only, args.page, args.rounds, before)
        store = "SQLite" if args.sqlite else "PostgreSQL"
        print_figures(console, rounds, f"Rebuild per read model, {store}, pages of {args.page}")


if __name__ == "__main__":
    main()
