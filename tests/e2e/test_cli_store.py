"""Store commands name the store they use and never create one unless asked (`--init`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.conftest import _empty_schema
from tests.e2e.test_cli import kyros_env, run_cli

KEY = ("keys", "create", "--name", "ci", "--role", "developer")


def run_with(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyros", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        KEY,
        ("keys", "list"),
        ("users", "list"),
        ("users", "grant", "carol", "viewer"),
        ("projections", "status"),
        ("projections", "rebuild", "--all"),
    ],
)
def test_a_store_command_refuses_a_missing_store_and_creates_nothing(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    data_dir = tmp_path / "elsewhere"
    result = run_cli(data_dir, *args)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    error = result.stderr.strip().splitlines()[-1]
    assert str(data_dir / "kyros.sqlite3") in error
    assert "kyros serve" in error and "--init" in error and "KYROS_DATA_DIR" in error
    assert "Traceback" not in result.stderr
    assert not data_dir.exists()


def test_keys_create_from_another_directory_does_not_make_a_local_store(tmp_path: Path) -> None:
    """The reported bug: with no KYROS_DATA_DIR, `./var` appeared wherever the command ran."""
    env = kyros_env(tmp_path)
    del env["KYROS_DATA_DIR"]
    result = run_with(env, *KEY, cwd=tmp_path)
    assert result.returncode == 1
    assert str(tmp_path / "var" / "kyros.sqlite3") in result.stderr
    assert not (tmp_path / "var").exists()


def test_init_creates_the_store_and_stdout_stays_the_key_alone(tmp_path: Path) -> None:
    result = run_cli(tmp_path, *KEY, "--init")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("kyk_") and len(result.stdout.strip().splitlines()) == 1
    assert f"SQLite at {tmp_path / 'kyros.sqlite3'}" in result.stderr
    assert (tmp_path / "kyros.sqlite3").exists()
    added = run_cli(tmp_path, "users", "add", "carol", "--password-stdin", stdin="long enough pw")
    assert added.returncode == 0, added.stderr


def test_a_command_on_an_existing_store_says_which_store_on_stderr(tmp_path: Path) -> None:
    Kyros(Settings(data_dir=tmp_path)).close()  # what `kyros serve` leaves behind
    listed = run_cli(tmp_path, "keys", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"Store: SQLite at {tmp_path / 'kyros.sqlite3'}" in listed.stderr
    assert "Store:" not in listed.stdout


@pytest.mark.postgres
def test_an_empty_postgres_database_is_refused_until_init(
    tmp_path: Path, postgres_database: str
) -> None:
    _empty_schema(postgres_database)
    env = kyros_env(tmp_path, KYROS_DATABASE_URL=postgres_database)
    database = postgres_database.rsplit("/", 1)[1]
    refused = run_with(env, *KEY)
    assert refused.returncode == 1
    assert f"PostgreSQL database '{database}' at 127.0.0.1:5432" in refused.stderr
    assert "--init" in refused.stderr and "KYROS_DATABASE_URL" in refused.stderr
    assert "Traceback" not in refused.stderr

    created = run_with(env, *KEY, "--init")
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("kyk_")
    listed = run_with(env, "keys", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"Store: PostgreSQL database '{database}'" in listed.stderr
    assert "ci" in listed.stdout
