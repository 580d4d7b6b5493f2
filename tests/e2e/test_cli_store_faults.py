"""A store that fails after the start-up check, partway through a command, ends the command
with one `Error:` line and exit 1, never a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import _empty_schema
from tests.e2e.test_startup_faults import error_line, kyros
from tests.faults.helpers import via_port
from tests.faults.proxy import FreezableProxy

QUICK = {"KYROS_STARTUP_TIMEOUT_SECONDS": "2", "KYROS_DATABASE_TIMEOUT_SECONDS": "2"}


class OneConnection(FreezableProxy):
    """Forwards the first connection (the command's start-up check), then refuses every
    other: a PostgreSQL that went away right after the check said it was there."""

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        self._listener.close()
        self._connect(client)


@pytest.mark.postgres
@pytest.mark.parametrize("command", [("keys", "list"), ("users", "list")])
def test_a_postgres_gone_after_the_start_up_check_ends_in_one_error_line(
    postgres_database: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    _empty_schema(postgres_database)
    made = kyros(
        tmp_path,
        "keys",
        "create",
        "--name",
        "x",
        "--role",
        "admin",
        "--init",
        KYROS_DATABASE_URL=postgres_database,
    )
    assert made.returncode == 0, made.stderr
    with OneConnection(("127.0.0.1", 5432)) as proxy:
        started = time.monotonic()
        url = via_port(postgres_database, proxy.port)
        result = kyros(tmp_path, *command, KYROS_DATABASE_URL=url, **QUICK)
    assert result.returncode == 1, result.stderr
    assert "unavailable" in error_line(result).lower()
    assert time.monotonic() - started < 60
