"""The `kyros` command line: serve the API, inspect and rebuild read models."""

from __future__ import annotations

import logging
import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from kyros.bootstrap import Kyros
from kyros.settings import Settings


@click.group()
def main() -> None:
    """Kyros: an open control plane for AI coding agents."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1, KYROS_HOST).")
@click.option("--port", default=None, type=int, help="Port (default 8000, KYROS_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Run the HTTP API and the background workers in one process."""
    import uvicorn

    from kyros.http.app import create_app

    settings = Settings.from_env(host=host, port=port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with Kyros(settings) as kyros:
        store = "PostgreSQL" if settings.is_postgres else f"SQLite at {settings.sqlite_path}"
        click.echo(f"Kyros on http://{settings.host}:{settings.port}/v1 ({store})", err=True)
        # Kyros decides which proxies to trust (KYROS_TRUSTED_PROXIES), not uvicorn.
        uvicorn.run(
            create_app(kyros),
            host=settings.host,
            port=settings.port,
            log_level="info",
            proxy_headers=False,
        )


@main.group()
def projections() -> None:
    """Inspect and rebuild read models."""


@projections.command("status")
def projections_status() -> None:
    """Position and lag of every read model."""
    with Kyros(Settings.from_env()) as kyros:
        head = kyros.app.head()
        table = Table("projection", "position", "head", "lag")
        for name, position in sorted(kyros.engine.positions().items()):
            table.add_row(name, str(position), str(head), str(head - position))
        Console().print(table)


@projections.command("rebuild")
@click.argument("name", required=False)
@click.option("--all", "rebuild_all", is_flag=True, help="Rebuild every read model.")
@click.option("--page-size", default=2000, show_default=True, type=click.IntRange(1, 100_000))
def projections_rebuild(name: str | None, rebuild_all: bool, page_size: int) -> None:
    """Empty a read model and replay the whole log into it."""
    with Kyros(Settings.from_env()) as kyros:
        known = sorted(kyros.engine.projections)
        if rebuild_all == (name is not None):
            raise click.UsageError(f"give one NAME ({', '.join(known)}) or --all")
        names = known if rebuild_all else [name or ""]
        unknown = [n for n in names if n not in kyros.engine.projections]
        if unknown:
            raise click.BadParameter(f"unknown projection {unknown[0]!r}; one of {known}")
        head = kyros.app.head()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True)) as bar:
            for projection in names:
                job = bar.add_task(projection, total=head)
                kyros.engine.reset(projection)
                kyros.engine.catch_up(
                    projection, page_size, lambda p, j=job: bar.update(j, completed=p)
                )
                bar.update(job, completed=head)
        click.echo(f"rebuilt {', '.join(names)} up to position {head}")


if __name__ == "__main__":
    sys.exit(main())
