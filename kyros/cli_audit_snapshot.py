"""`kyros audit snapshot`: every read model as of a past instant, in a file to query offline."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kyros.cli_startup import load_settings, open_kyros
from kyros.domain.errors import DomainError
from kyros.timefmt import iso, now
from kyros.timetravel.point import resolve
from kyros.timetravel.snapshot import write_snapshot


@click.command("snapshot")
@click.option("--as-of", "as_of", default=None, help="RFC 3339 instant, e.g. 2026-11-30T12:00:00Z.")
@click.option(
    "--as-of-position", "as_of_position", default=None, type=click.IntRange(0), help="Log position."
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@click.option("--page-size", default=2000, show_default=True, type=click.IntRange(1, 100_000))
def snapshot(
    as_of: str | None, as_of_position: int | None, out: Path, force: bool, page_size: int
) -> None:
    """Rebuild every read model from the events recorded at or before --as-of (or up to
    --as-of-position) into a new SQLite file OUT; the table kyros_snapshot says which point."""
    if as_of is None and as_of_position is None:
        raise click.UsageError("give --as-of (or --as-of-position)")
    if out.exists() and not force:
        raise click.ClickException(f"{out} exists; give --force to overwrite it")
    with open_kyros(load_settings(), create=False) as kyros:
        try:
            point = resolve(kyros.app, kyros.db, as_of, as_of_position, now())
        except DomainError as error:
            option = "--as-of" if error.field == "as_of" else "--as-of-position"
            raise click.BadParameter(error.issue, param_hint=option) from None
        assert point is not None
        columns = (TextColumn("read models"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True)) as bar:
            job = bar.add_task("replay", total=point.position)
            stepped = write_snapshot(
                kyros.app, point, out, page_size, lambda at: bar.update(job, completed=at)
            )
    stuck = [f"{name}: {s.error}" for name, s in stepped.items() if s.error is not None]
    if stuck:
        raise click.ClickException("no snapshot written; stuck read models:\n" + "\n".join(stuck))
    click.echo(
        f"wrote {out}: every read model as of position {point.position} ({iso(point.instant)})"
    )
