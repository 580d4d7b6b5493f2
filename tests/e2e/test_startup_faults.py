"""Start-up faults, made real, end in one `Error:` line and a non-zero exit, never a traceback."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.e2e.test_cli import free_port, kyros_env
from tests.mounts import MOUNT, tmpfs

QUICK = {"KYROS_STARTUP_TIMEOUT_SECONDS": "1"}


def kyros(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyros", *args],
        env=kyros_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The last stderr line is the one error; nothing on stderr is a traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("Error: "), result.stderr
    return lines[-1]


def serve(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return kyros(data_dir, "serve", "--port", str(free_port()), **env)


# --- a read-only data directory: a real read-only mount (root ignores permission bits) ---


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    """A fresh tmpfs, writable until the test remounts it read-only."""
    with tmpfs(tmp_path / "mnt", "64m", "a read-only data directory") as where:
        yield where


def read_only(where: Path) -> None:
    subprocess.run([MOUNT, "-o", "remount,ro", str(where)], check=True)
    with pytest.raises(OSError, match="Read-only"):
        (where / "probe").write_text("x")


def test_serve_on_a_read_only_data_dir_exits_with_one_line(mounted: Path) -> None:
    read_only(mounted)
    result = serve(mounted)
    assert result.returncode == 1
    line = error_line(result)
    assert f"data directory {mounted} is on a read-only file system" in line
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_store_on_a_read_only_mount_is_refused_by_a_store_command(mounted: Path) -> None:
    Kyros(Settings(data_dir=mounted)).close()
    read_only(mounted)
    result = kyros(mounted, "keys", "list")
    assert result.returncode == 1
    assert "is on a read-only file system" in error_line(result)


@pytest.mark.postgres
def test_postgres_with_a_read_only_dir_for_the_generated_key_exits_with_one_line(
    mounted: Path, postgres_database: str
) -> None:
    read_only(mounted)
    result = serve(mounted, KYROS_DATABASE_URL=postgres_database)
    assert result.returncode == 1
    assert f"data directory {mounted} is on a read-only file system" in error_line(result)


# --- a locked SQLite database: another connection holds an exclusive transaction ---


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    Kyros(Settings(data_dir=tmp_path)).close()
    holder = sqlite3.connect(tmp_path / "kyros.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield holder
    finally:
        holder.close()


def test_a_locked_store_is_waited_for_visibly_then_refused(
    tmp_path: Path, locked: sqlite3.Connection
) -> None:
    started = time.monotonic()
    result = kyros(tmp_path, "keys", "create", "--name", "ci", "--role", "viewer", **QUICK)
    assert result.returncode == 1
    assert time.monotonic() - started < 60
    assert "waiting up to 1s for another process's lock on SQLite at" in result.stderr
    line = error_line(result)
    assert f"SQLite at {tmp_path / 'kyros.sqlite3'} is locked by another process" in line
    assert "KYROS_STARTUP_TIMEOUT_SECONDS" in line
    assert result.stdout == ""


def test_a_command_waits_for_a_lock_released_in_time(
    tmp_path: Path, locked: sqlite3.Connection
) -> None:
    stderr = tmp_path / "create.stderr"
    with stderr.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "kyros", "keys", "create", "--name", "ci", "--role", "viewer"],
            env=kyros_env(tmp_path, KYROS_STARTUP_TIMEOUT_SECONDS="60"),
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "waiting up to 60s" not in stderr.read_text():
            assert process.poll() is None, stderr.read_text()
            assert time.monotonic() < deadline, "the command never said it was waiting"
            time.sleep(0.1)
        locked.execute("ROLLBACK")
        out, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr.read_text()
    assert out.startswith("kyk_")


# --- PostgreSQL that is not there: a closed port, and a port that accepts and never answers ---


def test_postgres_on_a_closed_port_is_retried_then_refused(tmp_path: Path) -> None:
    port = free_port()  # nobody listens on it
    url = f"postgresql://postgres@127.0.0.1:{port}/kyros"
    started = time.monotonic()
    result = serve(tmp_path, KYROS_DATABASE_URL=url, **QUICK)
    assert result.returncode == 1
    assert time.monotonic() - started < 60
    assert f"waiting up to 1s for PostgreSQL database 'kyros' at 127.0.0.1:{port}" in result.stderr
    line = error_line(result)
    assert f"PostgreSQL database 'kyros' at 127.0.0.1:{port} is unreachable after 1s" in line


def test_postgres_that_accepts_and_never_answers_is_given_up_on(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes handshakes; nobody ever reads or writes
        port = silent.getsockname()[1]
        url = f"postgresql://postgres:hunter2secret@127.0.0.1:{port}/kyros"
        started = time.monotonic()
        result = kyros(tmp_path, "keys", "list", KYROS_DATABASE_URL=url, **QUICK)
        took = time.monotonic() - started
    assert result.returncode == 1
    assert took < 60
    line = error_line(result)
    assert f"at 127.0.0.1:{port} is unreachable after 1s" in line
    assert "hunter2secret" not in result.stderr


# --- malformed settings: the variable and its rule, exit code 2 ---
# (every rule is in tests/unit/test_settings_rules.py; here, what the operator sees)


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("KYROS_PORT", "eighty", "KYROS_PORT must be an integer (got 'eighty')"),
        ("KYROS_JWT_SECRET", "not-long-enough", "KYROS_JWT_SECRET must be at least 32 bytes"),
        ("KYROS_RATE_LIMITS", "login=5/minute", "KYROS_RATE_LIMITS: unknown group 'login'"),
    ],
)
def test_a_malformed_setting_names_the_variable_and_the_rule(
    tmp_path: Path, variable: str, value: str, says: str
) -> None:
    result = kyros(tmp_path, "keys", "list", **{variable: value})
    assert result.returncode == 2, result.stderr  # settings are read before the store is
    assert says in error_line(result)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    if variable == "KYROS_JWT_SECRET":
        assert value not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"), [("KYROS_PORT", "eighty"), ("KYROS_MAX_BODY_BYTES", "0")]
)
def test_serve_refuses_a_malformed_setting_in_one_line(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = kyros(tmp_path, "serve", "--port", str(free_port()), **{variable: value})
    assert result.returncode == 2
    assert variable in error_line(result)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not tmp_path.joinpath("kyros.sqlite3").exists()
