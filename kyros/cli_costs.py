"""`kyros costs`: the cost ledger as a file, for analysts (what GET /v1/costs/export serves)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

import click
import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

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
@click.option("--url", default=None, help="Export from this Kyros server instead of the store.")
@click.option(
    "--api-key-env",
    default="KYROS_API_KEY",
    show_default=True,
    help="With --url: environment variable holding an API key with read_costs.",
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
    url: str | None,
    api_key_env: str,
) -> None:
    """Write every attempt the filters match to OUT (money exact: Parquet decimal128), from
    the store the settings name, or with --url from a Kyros server (a `read_costs` key)."""
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
    try:
        with partial.open("wb") as sink:
            if url is None:
                written = f"{_from_store(query, fmt, sink)} attempts"
            else:
                params = {"format": fmt, "from": start, "to": end}
                for name in ("model", "role", "user", "task_type", "outcome"):
                    params[name] = ",".join(getattr(query, name)) or None
                written = f"{_download(url, api_key_env, params, sink)} bytes"
    except BaseException:
        partial.unlink(missing_ok=True)  # no half-written file is left behind
        raise
    os.replace(partial, out)
    click.echo(f"wrote {written} to {out}", err=True)


def _from_store(query: LedgerFilter, fmt: str, sink: IO[bytes]) -> int:
    with open_kyros(load_settings(), create=False) as kyros:
        try:
            kyros.engine.catch_up("cost_ledger", kyros.settings.projection_page_size)
        except ProjectionStuck as stuck:
            click.echo(f"warning: {stuck}; exporting as of event {stuck.reached}", err=True)
        total = list_ledger(kyros.db, query)["totals"]["attempts"]
        columns = (TextColumn("exporting"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True)) as bar:
            job = bar.add_task("export", total=total)
            return write_export(kyros.db, query, fmt, sink, lambda n: bar.update(job, completed=n))


def _download(url: str, api_key_env: str, params: dict[str, Any], sink: IO[bytes]) -> int:
    """GET /v1/costs/export, streamed to `sink`; a refusal is said with the server's words."""
    key = os.environ.get(api_key_env)
    if not key:
        raise click.UsageError(f"set {api_key_env} to an API key with the read_costs permission")
    sent = {name: value for name, value in params.items() if value is not None}
    headers = {"Authorization": f"Bearer {key}"}
    columns = (TextColumn("downloading"), DownloadColumn(), TransferSpeedColumn())
    with (
        httpx.stream(
            "GET", f"{url.rstrip('/')}/v1/costs/export", params=sent, headers=headers, timeout=300
        ) as response,
        Progress(*columns, console=Console(stderr=True)) as bar,
    ):
        if response.status_code != 200:
            response.read()
            raise click.ClickException(_refusal(response))
        job = bar.add_task("download", total=None)
        for data in response.iter_bytes():
            sink.write(data)
            bar.advance(job, len(data))
        return response.num_bytes_downloaded


def _refusal(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"
    field = (error.get("details") or {}).get("field")
    return f"{response.status_code} {error['code']}: {error['message']}" + (
        f" ({field})" if field else ""
    )
