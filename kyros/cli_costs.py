"""`kyros costs`: the cost ledger as a file, for analysts (what GET /v1/costs/export serves)."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kyros.cli_startup import load_settings, open_kyros
from kyros.domain.errors import DomainError
from kyros.domain.vocabulary import ROLES, TASK_TYPES
from kyros.projections.failures import ProjectionStuck
from kyros.queries.cost_export import FORMATS, write_export
from kyros.queries.cost_ledger import OUTCOMES, LedgerFilter, list_ledger
from kyros.queries.time_range import time_range


@click.group()
def costs() -> None:
    """Export the cost ledger (one row per model call attempt)."""


def _names(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


@costs.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="parquet", show_default=True)
@click.option("--from", "start", default=None, help="Inclusive: a UTC date or RFC 3339 time.")
@click.option("--to", "end", default=None, help="Exclusive: a UTC date or RFC 3339 time.")
@click.option("--model", multiple=True, help="Only this model (repeatable).")
@click.option("--role", multiple=True, type=click.Choice(ROLES), help="Only this role.")
@click.option("--user", multiple=True, help="Only work submitted by this user or key id.")
@click.option("--task-type", multiple=True, type=click.Choice(TASK_TYPES))
@click.option("--outcome", multiple=True, type=click.Choice(OUTCOMES))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write; replaced only once the export is complete.",
)
def costs_export(
    fmt: str,
    start: str | None,
    end: str | None,
    model: tuple[str, ...],
    role: tuple[str, ...],
    user: tuple[str, ...],
    task_type: tuple[str, ...],
    outcome: tuple[str, ...],
    out: Path,
) -> None:
    """Write every attempt the filters match to OUT (money exact: Parquet decimal128)."""
    try:
        since, before = time_range(start, end)
    except DomainError as error:
        raise click.BadParameter(error.issue, param_hint=f"--{error.field}") from None
    query = LedgerFilter(
        start=since,
        before=before,
        model=_names(model),
        role=_names(role),
        user=_names(user),
        task_type=_names(task_type),
        outcome=_names(outcome),
        limit=1,
    )
    partial = out.with_name(out.name + ".partial")
    with open_kyros(load_settings(), create=False) as kyros:
        try:
            kyros.engine.catch_up("cost_ledger", kyros.settings.projection_page_size)
        except ProjectionStuck as stuck:
            click.echo(f"warning: {stuck}; exporting as of event {stuck.reached}", err=True)
        total = list_ledger(kyros.db, query)["totals"]["attempts"]
        columns = (TextColumn("exporting"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True)) as bar:
            job = bar.add_task("export", total=total)
            try:
                with partial.open("wb") as sink:
                    written = write_export(
                        kyros.db, query, fmt, sink, lambda n: bar.update(job, completed=n)
                    )
            except BaseException:
                partial.unlink(missing_ok=True)  # no half-written file is left behind
                raise
    os.replace(partial, out)
    click.echo(f"wrote {written} attempts to {out}", err=True)
