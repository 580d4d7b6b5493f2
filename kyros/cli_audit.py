"""`kyros audit`: what an auditor runs against the log."""

from __future__ import annotations

import click

from kyros.cli_audit_snapshot import snapshot


@click.group()
def audit() -> None:
    """Audit the log: read models as of a past instant."""


audit.add_command(snapshot)
