"""The `kyros` command line: serve the API, manage users and keys, rebuild read models."""

from __future__ import annotations

import getpass
import os
import re
import sys
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from ulid import ULID

from kyros.bootstrap import FIRST_ADMIN, Kyros
from kyros.cli_analyze import analyze
from kyros.cli_audit import audit
from kyros.cli_costs import costs
from kyros.cli_startup import (
    CONFIGURATION_ERROR,
    FailsSafe,
    StartupFailure,
    init_option,
    load_settings,
    open_kyros,
)
from kyros.commands import users as user_commands
from kyros.commands.alerts import ResolveProjectionAlert
from kyros.commands.api_keys import IssueApiKey, RevokeApiKey
from kyros.commands.registry import run_command
from kyros.connections.preflight import describe
from kyros.domain.errors import DomainError
from kyros.domain.user import USER_ROLES, normalise_username
from kyros.domain.vocabulary import ROLES
from kyros.ids import public_id
from kyros.projections.failures import ProjectionStuck
from kyros.projections.shadow import rebuild
from kyros.queries.identity import list_api_keys, list_users, user_id_by_username


@click.group(cls=FailsSafe)
def main() -> None:
    """Kyros: an open control plane for AI coding agents."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1, KYROS_HOST).")
@click.option("--port", default=None, type=int, help="Port (default 8000, KYROS_PORT).")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes serving the API, each with its own background workers (PostgreSQL only).",
)
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Run the HTTP API and the background workers: one process, or --workers N of them."""
    import uvicorn

    from kyros.cli_serve import (
        SQLITE_SINGLE,
        WORKER_START_SECONDS,
        served,
        settle_heap,
        uvicorn_options,
    )
    from kyros.observability.log_format import configure_logging

    settings = load_settings(host=host, port=port)
    if workers > 1 and not settings.is_postgres:
        raise StartupFailure(SQLITE_SINGLE, CONFIGURATION_ERROR)
    configure_logging(settings.log_format)
    with open_kyros(settings, create=True, announce=False) as kyros:
        _ensure_admin(kyros)
        where = f"http://{settings.host}:{settings.port}/v1"
        processes = f", {workers} worker processes" if workers > 1 else ""
        click.echo(f"Kyros on {where} ({describe(settings)}{processes})", err=True)
        if workers == 1:
            app = served(kyros)
            settle_heap()
            uvicorn.run(app, host=settings.host, port=settings.port, **uvicorn_options(settings))
            return
    # Each worker builds its own Kyros from the environment; the host and port given here
    # reach them through it too.
    os.environ.update(KYROS_HOST=settings.host, KYROS_PORT=str(settings.port))
    uvicorn.run(
        "kyros.cli_serve:worker_app",
        factory=True,
        workers=workers,
        timeout_worker_healthcheck=WORKER_START_SECONDS,
        host=settings.host,
        port=settings.port,
        **uvicorn_options(settings),
    )


def _ensure_admin(kyros: Kyros) -> None:
    """The generated password goes to stderr once, never to the log."""
    try:
        password = kyros.ensure_admin()
    except DomainError as error:
        raise click.ClickException(f"KYROS_ADMIN_USERNAME/PASSWORD: {error.issue}") from None
    if password:
        username = kyros.settings.admin_username or FIRST_ADMIN
        click.echo(
            f"Created the first admin user {username!r} with the password {password}\n"
            "It is shown only this once: log in and keep it safe.",
            err=True,
        )


@main.group()
def users() -> None:
    """Manage users and their roles."""


@users.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=click.Choice(USER_ROLES), default=["viewer"])
@click.option("--email", default=None)
@click.option("--name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@init_option
def users_add(
    username: str,
    roles: tuple[str, ...],
    email: str | None,
    name: str | None,
    password_stdin: bool,
    init: bool,
) -> None:
    """Create a user (the password is prompted for unless --password-stdin); prints its id."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user_id = ULID().to_uuid()
    fields = {"username": username, "roles": list(roles), "email": email, "name": name}
    command = user_commands.CreateUser(user_id=user_id, password=password, actor=_actor(), **fields)
    with _kyros(init=init) as kyros:
        _run(kyros, command)
    click.echo(public_id("user", user_id))


@users.command("list")
def users_list() -> None:
    """Every user with roles, status and last login."""
    with _kyros() as kyros:
        _catch_up(kyros, "users")
        rows, _ = list_users(kyros.db, limit=1_000_000, offset=0)
    table = Table("id", "username", "roles", "status", "locked", "last login")
    for u in rows:
        locked = "yes" if u["locked"] else ""
        last = u["last_login"] or "never"
        table.add_row(u["id"], u["username"], ",".join(u["roles"]), u["status"], locked, last)
    Console(width=200).print(table)


@users.command("grant")
@click.argument("user")
@click.argument("role", type=click.Choice(USER_ROLES))
def users_grant(user: str, role: str) -> None:
    """Give USER (a username or user id) ROLE."""
    _change_user(user_commands.GrantRole, user, role=role)


@users.command("revoke")
@click.argument("user")
@click.argument("role", type=click.Choice(USER_ROLES))
def users_revoke(user: str, role: str) -> None:
    """Take ROLE away from USER (a username or user id)."""
    _change_user(user_commands.RevokeRole, user, role=role)


@users.command("disable")
@click.argument("user")
def users_disable(user: str) -> None:
    """Refuse USER's logins and end their sessions' access at once."""
    _change_user(user_commands.DisableUser, user)


@users.command("enable")
@click.argument("user")
def users_enable(user: str) -> None:
    """Let a disabled USER sign in again."""
    _change_user(user_commands.EnableUser, user)


@users.command("unlock")
@click.argument("user")
def users_unlock(user: str) -> None:
    """Lift a lockout after too many failed logins."""
    _change_user(user_commands.UnlockUser, user)


@main.group()
def keys() -> None:
    """Manage API keys (service credentials, each scoped to one role)."""


@keys.command("create")
@click.option("--name", required=True, help="What the key is for, e.g. ci-runner.")
@click.option("--role", required=True, type=click.Choice(USER_ROLES))
@init_option
def keys_create(name: str, role: str, init: bool) -> None:
    """Print a new key on stdout, once: only its digest is stored."""
    with _kyros(init=init) as kyros:
        issued = _run(kyros, IssueApiKey(name=name, role=role, actor=_actor()))
    click.echo(f"Created {issued.id} ({role}); store the key now:", err=True)
    click.echo(issued.key.plaintext)


@keys.command("list")
def keys_list() -> None:
    """Every key by id, name, prefix and role (never the key itself)."""
    with _kyros() as kyros:
        _catch_up(kyros, "api_keys")
        rows = list_api_keys(kyros.db)
    table = Table("id", "name", "prefix", "role", "status", "created")
    for k in rows:
        table.add_row(k["id"], k["name"], k["prefix"], k["role"], k["status"], k["created_at"])
    Console(width=200).print(table)


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """Revoke KEY_ID: requests with it are refused from now on."""
    with _kyros() as kyros:
        _run(kyros, RevokeApiKey(key_id=key_id, actor=_actor()))
    click.echo(f"revoked {key_id}")


def _kyros(*, init: bool = False) -> Kyros:
    """The existing store the settings name; with `init`, a new one where there is none."""
    return open_kyros(load_settings(), create=init)


def _actor() -> str:
    """Events name who did it: from the command line, the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _run(kyros: Kyros, command: object) -> Any:
    """Carries out a registered command; a refusal is a usage error, said plainly."""
    try:
        return run_command(kyros.app, kyros.catalog, command)
    except DomainError as error:
        where = f"{error.field}: " if error.field else ""
        raise click.ClickException(f"{where}{error.issue}") from None


def _change_user(command_type: type, user: str, **fields: str) -> None:
    with _kyros() as kyros:
        user_id = user if user.startswith("user_") else _user_id(kyros, user)
        _run(kyros, command_type(user_id=user_id, actor=_actor(), **fields))
    done = re.sub(r"(?<!^)([A-Z])", r" \1", command_type.__name__).lower()  # "grant role"
    click.echo(f"{done}: {user}")


def _catch_up(kyros: Kyros, name: str) -> None:
    """A read model stuck at an event still answers as of the event before: say so."""
    try:
        kyros.engine.catch_up(name, kyros.settings.projection_page_size)
    except ProjectionStuck as stuck:
        click.echo(f"warning: {stuck}; answering as of event {stuck.reached}", err=True)


def _user_id(kyros: Kyros, username: str) -> str:
    _catch_up(kyros, "users")
    user_id = user_id_by_username(kyros.db, normalise_username(username))
    if user_id is None:
        raise click.ClickException(f"no user named {username!r}")
    return user_id


@main.group()
def projections() -> None:
    """Inspect and rebuild read models."""


@projections.command("status")
def projections_status() -> None:
    """Position and lag of every read model."""
    with _kyros() as kyros:
        head, failures = kyros.app.head(), kyros.engine.failures()
        table = Table("projection", "position", "head", "lag", "stuck at")
        for name, position in sorted(kyros.engine.positions().items()):
            failure = failures.get(name)
            stuck = f"event {failure.position}: {failure.error}" if failure else ""
            table.add_row(name, str(position), str(head), str(head - position), stuck)
        Console().print(table)


@projections.command("rebuild")
@click.argument("name", required=False)
@click.option("--all", "rebuild_all", is_flag=True, help="Rebuild every read model.")
@click.option("--page-size", default=2000, show_default=True, type=click.IntRange(1, 100_000))
def projections_rebuild(name: str | None, rebuild_all: bool, page_size: int) -> None:
    """Replay the whole log into new tables for read models, reading it once for all, and
    swap them in once caught up; the old tables answer reads meanwhile."""
    with _kyros() as kyros:
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
            jobs = {projection: bar.add_task(projection, total=head) for projection in names}
            was_stuck = {projection: kyros.engine.failure(projection) for projection in names}

            def progress(at: dict[str, int]) -> None:
                for projection, position in at.items():
                    bar.update(jobs[projection], completed=position)

            rebuilt = rebuild(kyros.engine, names, page_size, progress)
        stuck = [str(s.error) for s in rebuilt.values() if s.error is not None]
        for projection, failure in was_stuck.items():
            if failure is not None and rebuilt[projection].error is None:
                # rebuilt past the event: its alert is stale
                _run(
                    kyros, ResolveProjectionAlert(projection=projection, position=failure.position)
                )
        if stuck:
            raise click.ClickException("\n".join(stuck))
        click.echo(f"rebuilt {', '.join(names)} up to position {head}")


@main.group()
def agents() -> None:
    """Run built-in agents that claim work and call its model."""


@agents.command("run")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="Kyros's URL.")
@click.option(
    "--api-key-env",
    default="KYROS_AGENT_KEY",
    show_default=True,
    help="Environment variable holding an API key with the agent role.",
)
@click.option("--name", default=None, help="Agent name (default: HOSTNAME-ROLE).")
def agents_run(role: str, concurrency: int, url: str, api_key_env: str, name: str | None) -> None:
    """Claim ROLE work until SIGINT/SIGTERM; models without a provider key run simulated."""
    from kyros.runner.service import RunnerError, run_from_cli

    try:
        run_from_cli(
            role=role, concurrency=concurrency, url=url, api_key_env=api_key_env, name=name
        )
    except RunnerError as error:
        raise click.ClickException(str(error)) from None


main.add_command(audit)
main.add_command(costs)
main.add_command(analyze)

if __name__ == "__main__":
    sys.exit(main())
