"""Measures reads of the past on SQLite: resolving an instant to a log position (bisection),
a task read as of a point for tasks of growing event counts, and `kyros audit snapshot`'s
replay rate. Prints a table; a read of the past costs what its entity's events cost to replay,
not what the log's length costs."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.tasks import CreateTask, UpdateTask, create_task, update_task
from kyros.ids import public_id
from kyros.settings import Settings
from kyros.timefmt import now
from kyros.timetravel.point import resolve
from kyros.timetravel.reads import task_at
from kyros.timetravel.snapshot import write_snapshot

FIELDS: dict[str, Any] = dict(
    title="Rename a helper",
    description="",
    task_type="implementation",
    priority="medium",
    assignee_role=None,
    files_to_modify=["util.py"],
    acceptance_criteria=[],
    dependencies=[],
    tags=[],
    deadline=None,
    metadata={},
)


def task_with(kyros: Kyros, updates: int) -> str:
    task_id = ULID().to_uuid()
    create_task(kyros.app, CreateTask(task_id=task_id, actor="bench", **FIELDS))
    public = public_id("task", task_id)
    for n in range(updates):
        update_task(kyros.app, UpdateTask(task_id=public, actor="bench", fields={"title": f"T{n}"}))
    return public


def timed(fn: Any, repeat: int) -> float:
    """Median milliseconds of `repeat` calls."""
    took = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        took.append((time.perf_counter() - started) * 1000)
    return sorted(took)[len(took) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--filler", type=int, default=5_000, help="other tasks in the log")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Kyros(Settings(data_dir=Path(tmp))) as kyros:
        for _ in range(args.filler):
            task_with(kyros, 0)
        sizes = {k: task_with(kyros, k - 1) for k in (1, 100, 1_000)}
        head = kyros.app.head()
        table = Table("measure", "events replayed", "log events", "median ms")
        instant = now().isoformat()
        ms = timed(lambda: resolve(kyros.app, kyros.db, instant, None, now()), args.repeat)
        table.add_row("as_of → position (bisection)", "-", str(head), f"{ms:.2f}")
        point = resolve(kyros.app, kyros.db, None, head, now())
        assert point is not None
        for events, task_id in sizes.items():
            ms = timed(lambda t=task_id: task_at(kyros.app, kyros.db, t, point), args.repeat)
            table.add_row("task read as of a position", str(events), str(head), f"{ms:.2f}")
        out = Path(tmp) / "snapshot.sqlite3"
        started = time.perf_counter()
        write_snapshot(kyros.app, point, out, 2000)
        took = time.perf_counter() - started
        rate = f"{took * 1000:.0f} ({head / took:,.0f} events/s)"
        table.add_row("audit snapshot, every read model", str(head), str(head), rate)
        Console().print(table)


if __name__ == "__main__":
    main()
