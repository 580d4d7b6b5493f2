"""`kyros audit …`: verify the hash chain, export a range to verify offline, snapshot the past."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyros.audit.checkpoints import Checkpoint, from_json
from kyros.audit.export import export
from kyros.audit.verify import verify
from kyros.cli_audit_snapshot import snapshot
from kyros.cli_startup import load_settings, open_kyros


@click.group()
def audit() -> None:
    """Audit the log: verify its chain, export it for offline checks, snapshot the past."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--checkpoints",
    "held",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON lines of checkpoints kept outside (webhook bodies, export or list items).",
)
@click.option(
    "--public-key",
    "published",
    default=None,
    help="Base64 key to check signatures with (as GET /v1/audit/public-key gives it);"
    " default: this process's signing key.",
)
def audit_verify(as_json: bool, held: Path | None, published: str | None) -> None:
    """Recompute the chain from the stored events; exit 1 at the first bad position."""
    copies = _held(held) if held is not None else []
    with open_kyros(load_settings(), create=False) as kyros:
        key = _public_key(published) if published else kyros.audit.key.public_key()
        report = verify(kyros.db, key, copies)
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


def _public_key(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error):
        raise click.BadParameter(
            "not the base64 of a 32-byte key", param_hint="--public-key"
        ) from None


def _held(path: Path) -> list[Checkpoint]:
    copies = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if item.get("kind") in ("header", "event"):
                continue  # an export: only its checkpoint lines count
            copies.append(from_json(item))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise click.BadParameter(
                f"line {number} is not a checkpoint", param_hint="--checkpoints"
            ) from None
    return copies


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


audit.add_command(snapshot)
