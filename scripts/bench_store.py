"""Measures Kyros's PostgreSQL write and rebuild throughput against raw psycopg baselines."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchkit.seeding import PAGE, SEED_BATCH, decode_events, raw_select, seed
from benchkit.stores import Store, fresh_database
from benchkit.writes import Writer, kyros_writer, measure, pg_raw_writer, sample_event
from rich.console import Console
from rich.table import Table

from kyros.bootstrap import Kyros
from kyros.settings import Settings


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


def measure_writes(
    kyros: Kyros, url: str, seconds: float, rounds: int, console: Console
) -> dict[tuple[str, int], list[float]]:
    """Interleaves every configuration per round: disk sync latency drifts over minutes."""
    topic, state = sample_event(kyros)
    writers: dict[str, Writer] = {
        "raw INSERT+COMMIT": pg_raw_writer(url, topic, state, lock=False),
        "raw LOCK TABLE+INSERT+COMMIT": pg_raw_writer(url, topic, state, lock=True),
        "Kyros create_task": kyros_writer(kyros),
    }
    rates: dict[tuple[str, int], list[float]] = {}
    for round_no in range(1, rounds + 1):
        for label, writer in writers.items():
            for workers in (1, 16):
                ops, elapsed = measure(workers, seconds, writer)
                rates.setdefault((label, workers), []).append(ops / elapsed)
                console.print(
                    f"round {round_no} {label:<29} x{workers:<2} {ops:>6} ops"
                    f" in {elapsed:5.2f} s = {ops / elapsed:7,.0f} ops/s"
                )
    return rates


def run(kyros: Kyros, url: str, args: argparse.Namespace, console: Console) -> None:
    writes = measure_writes(kyros, url, args.seconds, args.rounds, console)
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

    rows, select_s = raw_select(Store("PostgreSQL", kyros.settings.data_dir, url))
    library_rows, library_s = library_select(kyros)
    decode_s = decode_events(kyros, rows)
    count = len(rows)
    assert library_rows == count, (library_rows, count)
    apply_s = rebuild_s - reset_s - library_s - decode_s

    table = Table(title=f"Writes: median of {args.rounds} interleaved runs of {args.seconds:g} s")
    for heading in ("configuration", "threads", "median ops/s", "min..max ops/s"):
        table.add_column(heading, justify="left" if heading == "configuration" else "right")
    for (label, workers), values in writes.items():
        spread = f"{min(values):,.0f}..{max(values):,.0f}"
        table.add_row(label, str(workers), f"{statistics.median(values):,.0f}", spread)
    console.print(table)

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

    med = {key: statistics.median(values) for key, values in writes.items()}
    ratios = Table(title="Ratios")
    ratios.add_column("ratio")
    ratios.add_column("value", justify="right")
    for workers in (1, 16):
        kyros_rate = med[("Kyros create_task", workers)]
        ratios.add_row(
            f"Kyros / raw INSERT+COMMIT, {workers} thread(s)",
            f"{kyros_rate / med[('raw INSERT+COMMIT', workers)]:.3f}",
        )
        ratios.add_row(
            f"Kyros / raw LOCK TABLE+INSERT+COMMIT, {workers} thread(s)",
            f"{kyros_rate / med[('raw LOCK TABLE+INSERT+COMMIT', workers)]:.3f}",
        )
    for label in ("raw INSERT+COMMIT", "raw LOCK TABLE+INSERT+COMMIT", "Kyros create_task"):
        ratios.add_row(
            f"{label}: 16 threads / 1 thread", f"{med[(label, 16)] / med[(label, 1)]:.2f}"
        )
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
    args = parser.parse_args()
    if args.rounds < 1 or args.events < 2:
        parser.error("--rounds must be at least 1 and --events at least 2")
    console = Console()
    with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        console.print(f"database {url.rsplit('/', 1)[-1]} created (dropped at the end)")
        settings = Settings(database_url=url, data_dir=Path(tmp), postgres_pool_size=20)
        with Kyros(settings) as kyros:
            run(kyros, url, args, console)


if __name__ == "__main__":
    main()
