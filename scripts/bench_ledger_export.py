"""Times a whole-ledger export (CSV, NDJSON, Parquet) over a large seeded history.

The log is seeded with the realistic mix of `tests/builders/history.py` (tasks created,
submitted, escalated, claimed, completed with usage or failed), the cost ledger read model
is caught up from zero (timed: its rebuild), then the whole ledger is written in each format
through `kyros.queries.cost_export.write_export`, the code GET /v1/costs/export and
`kyros costs export` run. The goal (issue #16): ≤ 30 s per export at 1M events.

Importable: `export_figures(kyros)` returns the figures, e.g. for scripts/bench_analytics.py.
Usage:

    .venv/bin/python scripts/bench_ledger_export.py --events 200000 --sqlite
    .venv/bin/python scripts/bench_ledger_export.py --events 1000000 \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchkit.stores import temporary_store
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kyros.bootstrap import Kyros
from kyros.queries.cost_export import FORMATS, write_export
from kyros.queries.cost_ledger import LedgerFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the history builder is shared
from tests.builders.history import seed_mix

PAGE = 2000


@dataclass(frozen=True)
class Figure:
    what: str
    rows: int
    seconds: float
    size_bytes: int

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def export_figures(kyros: Kyros, formats: tuple[str, ...] = FORMATS) -> list[Figure]:
    """The ledger's catch-up from zero, then one whole-ledger export per format (to a temp
    file, as the API spools Parquet)."""
    kyros.engine.reset("cost_ledger")
    started = time.perf_counter()
    kyros.engine.catch_up("cost_ledger", PAGE)
    rebuilt = time.perf_counter() - started
    head = kyros.app.head()
    figures = [Figure(f"ledger rebuild ({head:,} events)", head, rebuilt, 0)]
    for fmt in formats:
        with tempfile.TemporaryFile() as sink:
            started = time.perf_counter()
            rows = write_export(kyros.db, LedgerFilter(), fmt, sink)
            seconds = time.perf_counter() - started
            figures.append(Figure(f"export {fmt}", rows, seconds, sink.tell()))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    store = parser.add_mutually_exclusive_group(required=True)
    store.add_argument("--database-url", help="PostgreSQL server; a fresh database is used")
    store.add_argument("--sqlite", action="store_true")
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    console = Console(stderr=True)
    with temporary_store(None if args.sqlite else args.database_url) as where:
        settings = where.settings(database_timeout_seconds=120, postgres_pool_size=4)
        with Kyros(settings) as kyros:
            columns = (TextColumn("seeding"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, TimeElapsedColumn(), console=console) as bar:
                job = bar.add_task("seed", total=args.events)
                started = time.perf_counter()
                head = seed_mix(kyros.app, args.events, lambda at: bar.update(job, completed=at))
                seeded = time.perf_counter() - started
            figures = export_figures(kyros, tuple(args.formats.split(",")))
    table = Table(title=f"{where.kind}: {head:,} events seeded in {seeded:.1f} s")
    for column in ("step", "rows", "seconds", "rows/s", "MB"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for f in figures:
        size = f"{f.size_bytes / 1e6:.1f}" if f.size_bytes else ""
        table.add_row(f.what, f"{f.rows:,}", f"{f.seconds:.2f}", f"{f.rate:,.0f}", size)
    Console().print(table)


if __name__ == "__main__":
    main()
