"""`kyros analyze`: what-if replays of the recorded work, read-only, from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from kyros.bootstrap import Kyros
from kyros.cli_startup import load_settings, open_kyros
from kyros.domain.errors import DomainError
from kyros.domain.what_if_period import period
from kyros.domain.what_if_scenario import MAX_SCENARIOS, RoutingOverride, Scenario
from kyros.projections.failures import ProjectionStuck
from kyros.queries.what_if import READ_MODELS, count_attempts, what_if
from kyros.timefmt import now

MAX_FILE_BYTES = 1_000_000


class ScenarioFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What `--scenarios FILE` holds (JSON or TOML): the scenarios, and optionally the period."""

    scenarios: list[Scenario]
    start: str | None = msgspec.field(default=None, name="from")
    end: str | None = msgspec.field(default=None, name="to")


@click.group()
def analyze() -> None:
    """Replay recorded work under other prices, routing and escalation rules."""


@analyze.command("what-if")
@click.option(
    "--scenarios",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON or TOML file with `scenarios` (and optionally `from`, `to`).",
)
@click.option("--default-model", default=None, help="A scenario with this default model.")
@click.option("--escalation-model", default=None, help="A scenario with this escalation model.")
@click.option("--name", default="what-if", show_default=True, help="That scenario's name.")
@click.option("--from", "start", default=None, help="RFC 3339 time or date (default: 30 days ago).")
@click.option("--to", "end", default=None, help="RFC 3339 time or date, exclusive (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer as JSON.")
def what_if_command(
    path: Path | None,
    default_model: str | None,
    escalation_model: str | None,
    name: str,
    start: str | None,
    end: str | None,
    as_json: bool,
) -> None:
    """Actual costs of a period against each scenario's; nothing is written to the log."""
    loaded = _load(path) if path is not None else ScenarioFile(scenarios=[])
    scenarios = list(loaded.scenarios)
    if default_model or escalation_model:
        routing = RoutingOverride(default_model=default_model, escalation_model=escalation_model)
        scenarios.append(Scenario(name=name, routing=routing))
    if not scenarios:
        raise click.UsageError("give --scenarios FILE, --default-model or --escalation-model")
    with open_kyros(load_settings(), create=False) as kyros:
        answer = _replay(kyros, start or loaded.start, end or loaded.end, tuple(scenarios))
    if as_json:
        encoded = msgspec.json.Encoder(decimal_format="number").encode(answer)  # every digit
        click.echo(msgspec.json.format(encoded, indent=2).decode())
    else:
        Console().print(_table(answer))


def _load(path: Path) -> ScenarioFile:
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise click.BadParameter(f"larger than {MAX_FILE_BYTES} bytes", param_hint="--scenarios")
    decode = msgspec.toml.decode if path.suffix.lower() == ".toml" else msgspec.json.decode
    try:
        loaded = decode(raw, type=ScenarioFile)
    except msgspec.DecodeError as error:  # ValidationError included
        raise click.BadParameter(str(error), param_hint="--scenarios") from None
    if len(loaded.scenarios) > MAX_SCENARIOS:
        raise click.BadParameter(f"at most {MAX_SCENARIOS} scenarios", param_hint="--scenarios")
    return loaded


def _replay(
    kyros: Kyros, start: str | None, end: str | None, scenarios: tuple[Scenario, ...]
) -> dict[str, Any]:
    try:
        window = period(start, end, now())
        for read_model in READ_MODELS:  # answer as of the whole log
            try:
                kyros.engine.catch_up(read_model, kyros.settings.projection_page_size)
            except ProjectionStuck as stuck:
                click.echo(f"warning: {stuck}; answering as of event {stuck.reached}", err=True)
        total = count_attempts(kyros.db, window)
        columns = (TextColumn("replaying"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True)) as bar:
            job = bar.add_task("replay", total=total)
            return what_if(
                kyros.db,
                kyros.catalog,
                window,
                scenarios,
                lambda done: bar.update(job, completed=done),
            )
    except DomainError as error:
        where = f"{error.field}: " if error.field else ""
        raise click.ClickException(f"{where}{error.issue}") from None


def _table(answer: dict[str, Any]) -> Table:
    period_ = answer["period"]
    table = Table(
        "scenario",
        "total USD",
        "savings USD",
        "savings %",
        "routes changed",
        "escalations",
        "raised",
        "avoided",
        title=f"What-if {period_['from']} to {period_['to']}",
    )
    actual = answer["actual"]
    table.add_row("actual", str(actual["total_cost"]), "", "", "", str(actual["escalations"]))
    for run in answer["scenarios"]:
        escalations = run["escalations"]
        percent = run["savings_percent"]
        table.add_row(
            run["name"],
            str(run["total_cost"]),
            str(run["savings"]),
            "" if percent is None else str(percent),
            str(run["routes_changed"]),
            str(escalations["total"]),
            str(escalations["raised"]),
            str(escalations["avoided"]),
        )
    return table
