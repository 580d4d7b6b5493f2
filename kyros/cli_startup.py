"""How a `kyros` command reads its settings and opens its store: one line per problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from kyros.bootstrap import Kyros
from kyros.connections.preflight import StoreUnavailable, describe, prepare
from kyros.connections.unavailable import is_unavailable
from kyros.settings import Settings

CONFIGURATION_ERROR = 2  # a KYROS_* variable, a models file, a secret
STORE_UNAVAILABLE = 1  # missing, read-only, locked or unreachable

F = TypeVar("F", bound=Callable[..., Any])


class StartupFailure(click.ClickException):
    """Printed by click as one `Error: …` line, with the exit code of its kind."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class FailsSafe(click.Group):
    """A store that fails after the start-up check, partway through any command, ends it
    like a start-up failure: one `Error:` line and exit 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as error:
            if not is_unavailable(error):
                raise
            cause = str(error).strip().splitlines()[0] if str(error).strip() else ""
            message = f"The store became unavailable: {cause or type(error).__name__}"
            raise StartupFailure(message, STORE_UNAVAILABLE) from None


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except ValueError as error:
        raise StartupFailure(str(error), CONFIGURATION_ERROR) from None


def open_kyros(settings: Settings, *, create: bool, announce: bool = True) -> Kyros:
    """Says which store on stderr, checks it (creating it only when asked), then opens it."""
    if announce:
        click.echo(f"Store: {describe(settings)}", err=True)
    try:
        prepare(settings, create=create, say=lambda line: click.echo(line, err=True))
    except StoreUnavailable as error:
        raise StartupFailure(str(error), STORE_UNAVAILABLE) from None
    try:
        return Kyros(settings)
    except ValueError as error:  # a bad models file, secret or OAuth2 setting
        raise StartupFailure(str(error), CONFIGURATION_ERROR) from None


def init_option(command: F) -> F:
    """`--init`: this command may create the store; without it, a missing store is refused."""
    return click.option(
        "--init",
        is_flag=True,
        help="Create the store if there is none (else a missing store is an error).",
    )(command)
