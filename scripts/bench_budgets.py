"""Measures what budget accounting costs a submission on PostgreSQL.

Every dispatch writes the ledger of each budget that applies, so concurrent submitters
contend on one aggregate and retry after version conflicts. This prints submissions per
second with no budget (the baseline, measured in the same run), with one system budget and
with three overlapping budgets, for 1 and 16 concurrent submitters, plus the retries taken.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.budgets import DefineBudget
from kyros.commands.queue import SubmitTask
from kyros.commands.registry import run_command
from kyros.commands.tasks import CreateTask, create_task
from kyros.domain.errors import Conflict
from kyros.ids import new_id, public_id
from kyros.settings import Settings

BUDGETS = {
    0: [],
    1: [{"name": "system", "period": "daily", "limit": 1_000_000}],
    3: [
        {"name": "system", "period": "monthly", "limit": 1_000_000},
        {"name": "role", "period": "daily", "limit": 1_000_000, "scope": "role"},
        {"name": "user", "period": "weekly", "limit": 1_000_000, "scope": "user"},
    ],
}


def create(kyros: Kyros) -> str:
    task_id = ULID().to_uuid()
    fields: dict[str, Any] = dict(
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
    create_task(kyros.app, CreateTask(task_id=task_id, actor="bench", **fields))
    return public_id("task", task_id)


def fresh_database(admin_url: str) -> str:
    name = f"kyros_bench_{int(time.time())}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def run(kyros: Kyros, threads: int, total: int) -> tuple[float, int]:
    """Submissions per second for `total` tasks made beforehand, and how many saves conflicted."""
    per_thread = total // threads
    tasks = [[create(kyros) for _ in range(per_thread)] for _ in range(threads)]
    done = [0] * threads
    conflicts = [0]
    lock = threading.Lock()
    save = kyros.app.save_all

    def counted(*aggregates: Any) -> int:
        try:
            return save(*aggregates)
        except Conflict:
            with lock:
                conflicts[0] += 1
            raise

    kyros.app.save_all = counted  # type: ignore[method-assign]
    barrier = threading.Barrier(threads)

    def submitter(index: int) -> None:
        barrier.wait()
        for task_id in tasks[index]:
            command = SubmitTask(
                submission_id=new_id("sub"),
                task_id=task_id,
                role="implementer",
                actor=f"user_{index % 2}",
                now=datetime.now(UTC),
            )
            run_command(kyros.app, kyros.catalog, command)
            done[index] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=submitter, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    kyros.app.save_all = save  # type: ignore[method-assign]
    return sum(done) / elapsed, conflicts[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--tasks", type=int, default=1600, help="submissions per measurement")
    args = parser.parse_args()
    console = Console()
    table = Table(title="submit_task on PostgreSQL")
    for column in ("budgets", "submitters", "submissions/s", "vs no budget", "conflicts"):
        table.add_column(column, justify="right")
    baseline: dict[int, float] = {}
    for count, specs in BUDGETS.items():
        for threads in (1, 16):
            with tempfile.TemporaryDirectory() as data_dir:
                url = fresh_database(args.url)
                with Kyros(Settings(data_dir=Path(data_dir), database_url=url)) as kyros:
                    for spec in specs:
                        scoped = {**spec}
                        if spec.get("scope") == "role":
                            scoped["scope_value"] = "implementer"
                        if spec.get("scope") == "user":
                            scoped["scope_value"] = "user_0"
                        define = DefineBudget(
                            budget_id=new_id("budget"), fields=scoped, actor="bench"
                        )
                        run_command(kyros.app, kyros.catalog, define)
                    console.print(f"{count} budget(s), {threads} submitter(s)…")
                    rate, conflicts = run(kyros, threads, args.tasks)
            baseline.setdefault(threads, rate)
            ratio = rate / baseline[threads]
            table.add_row(str(count), str(threads), f"{rate:,.0f}", f"{ratio:.2f}x", str(conflicts))
    console.print(table)


if __name__ == "__main__":
    main()
