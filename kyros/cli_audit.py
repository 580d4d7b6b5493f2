"""`kyros audit …`: verify the log's hash chain and export a range an auditor verifies offline."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kyros.audit.export import export
from kyros.audit.verify import verify
from kyros.cli_startup import load_settings, open_kyros


@click.group()
def audit() -> None:
    """Tamper evidence: verify the chain, export for offline checks."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def audit_verify(as_json: bool) -> None:
    """Recompute the chain from the stored events; exit 1 at the first bad position."""
    with open_kyros(load_settings(), create=False) as kyros:
        report = verify(kyros.db, kyros.audit.key.public_key())
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        click.echo(
            f"checked {report.checked} events (log head {report.log_head}, chain head"
            f" {report.chain_head}) and {report.checkpoints} signed checkpoints"
        )
        for note in report.notes:
            click.echo(f"note: {note}")
    if report.problem is not None:
        problem = report.problem
        raise click.ClickException(
            f"position {problem.position} ({problem.kind}): {problem.detail}"
        )
    if not as_json:
        click.echo("ok: the log matches its chain and every checkpoint")


@audit.command("export")
@click.option("--from", "first", default=1, show_default=True, type=click.IntRange(1))
@click.option(
    "--to", "last", default=None, type=click.IntRange(1), help="Default: the last checkpoint."
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def audit_export(first: int, last: int | None, out: Path) -> None:
    """Write events FROM..TO with their links and checkpoints as JSON lines (sensitive: the
    stored bytes hold secret digests); check it with scripts/verify_audit_export.py."""
    if last is not None and last < first:
        raise click.BadParameter("--to must not be before --from", param_hint="--to")
    with open_kyros(load_settings(), create=False) as kyros, out.open("w", encoding="utf-8") as f:
        done = export(kyros.db, kyros.audit.key.public_key(), f, first, last)
    click.echo(
        f"exported {done.events} events ({done.first}..{done.last}) and"
        f" {done.checkpoints} checkpoints to {out}"
    )
