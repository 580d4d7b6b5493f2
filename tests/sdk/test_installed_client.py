"""`pip install ./clients/python` into a fresh venv, then kyrosctl against a running server.

The venv holds the SDK and its own dependencies only (none of the server's), so an import of
anything else fails here first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

from tests.fanout.processes import FAST_ENV, Server
from tests.sdk.conftest import SDK


def _environment(config: Path) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("KYROS", "PYTHON"))}
    return {**kept, "KYROSCTL_CONFIG": str(config)}


def test_the_installed_client_logs_in_and_lists_tasks(tmp_path: Path) -> None:
    root = tmp_path / "client-venv"
    venv.EnvBuilder(with_pip=True).create(root)
    pip = [
        str(root / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    subprocess.run(
        [*pip, str(SDK)],
        check=True,
        timeout=600,
        stderr=subprocess.DEVNULL,
        env=_environment(tmp_path / "unused"),
    )
    installed = subprocess.run(
        [str(root / "bin" / "python"), "-c", "import kyros, sys"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "No module named 'kyros'" in installed.stderr  # the server is not in this venv
    kyrosctl = str(root / "bin" / "kyrosctl")
    env = _environment(tmp_path / "profiles.json")
    with Server(tmp_path / "data", python=sys.executable) as server:
        login = subprocess.run(
            [kyrosctl, "login", "--url", server.url, "--username", "admin", "--password-stdin"],
            input=FAST_ENV["KYROS_ADMIN_PASSWORD"] + "\n",
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert login.returncode == 0, login.stderr
        created = subprocess.run(
            [kyrosctl, "tasks", "create", "installed and listed"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        listed = subprocess.run(
            [kyrosctl, "tasks", "ls", "--json"], capture_output=True, text=True, env=env, timeout=60
        )
    assert listed.returncode == 0, listed.stderr
    assert [t["id"] for t in json.loads(listed.stdout)] == [created.stdout.strip()]
