"""The `kyros` command line, run as a newcomer would: real processes, real sockets."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kyros_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    env["KYROS_DATA_DIR"] = str(data_dir)
    return env


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyros", *args],
        env=kyros_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kyros", "serve", "--port", str(port)],
        env=kyros_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/v1/configuration", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("kyros serve did not come up") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_serve_runs_on_sqlite_with_no_configuration_at_all(served: str, tmp_path: Path) -> None:
    created = httpx.post(f"{served}/v1/tasks", json={"title": "From the CLI"}, timeout=10)
    assert created.status_code == 201
    assert (tmp_path / "kyros.sqlite3").exists()
    listed = httpx.get(f"{served}/v1/tasks", timeout=10).json()
    assert [t["title"] for t in listed["data"]["tasks"]] == ["From the CLI"]


def test_projections_status_and_rebuild_report_positions(tmp_path: Path) -> None:
    from kyros.bootstrap import Kyros
    from kyros.settings import Settings
    from tests.integration.helpers import create

    with Kyros(Settings(data_dir=tmp_path)) as kyros:
        for n in range(5):
            create(kyros.app, title=f"t{n}")
    status = run_cli(tmp_path, "projections", "status")
    assert status.returncode == 0, status.stderr
    assert "tasks" in status.stdout and "5" in status.stdout

    rebuilt = run_cli(tmp_path, "projections", "rebuild", "--all")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt configuration, tasks up to position 5" in rebuilt.stdout
    after = run_cli(tmp_path, "projections", "status")
    tasks_row = next(line for line in after.stdout.splitlines() if "tasks" in line)
    assert re.findall(r"\d+", tasks_row) == ["5", "5", "0"]  # position, head, lag


def test_rebuild_refuses_an_unknown_projection_or_a_missing_name(tmp_path: Path) -> None:
    unknown = run_cli(tmp_path, "projections", "rebuild", "nope")
    assert unknown.returncode == 2
    assert "unknown projection 'nope'" in unknown.stderr
    missing = run_cli(tmp_path, "projections", "rebuild")
    assert missing.returncode == 2
    assert "--all" in missing.stderr
