"""The README's SDK examples, run as written against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from kyros_client import Kyros

from kyros.bootstrap import Kyros as Server
from tests.builders.commands import Credential, make_api_key
from tests.sdk.conftest import SDK

README = Path(__file__).resolve().parents[2] / "README.md"


def example(name: str) -> str:
    found = re.search(rf"<!-- sdk-example: {name} -->\n```\w+\n(.*?)```", README.read_text(), re.S)
    assert found, f"README has no sdk-example {name!r}"
    return found.group(1)


def run(
    code: str, base_url: str, key: str, tmp_path: Path, *, bash: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS")}
    env.update(
        KYROS_URL=base_url,
        KYROS_API_KEY=key,
        PYTHONPATH=str(SDK),
        KYROSCTL_CONFIG=str(tmp_path / "profiles.json"),
    )
    if bash:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        shim = bin_dir / "kyrosctl"
        shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m kyros_client.cli.main "$@"\n')
        shim.chmod(0o755)
        env["PATH"] = f"{bin_dir}:{env['PATH']}"
        command = ["bash", "-euo", "pipefail", "-c", code]
    else:
        command = [sys.executable, "-c", code]
    return subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_the_python_example_creates_and_submits_a_task(
    base_url: str, admin: Credential, tmp_path: Path, sdk: Kyros
) -> None:
    done = run(example("python"), base_url, admin.key, tmp_path)
    assert done.returncode == 0, done.stderr
    task_id, submitted, status = done.stdout.split()
    # "authentication" makes the policy want the premium model: an escalation opens
    assert submitted == status == sdk.tasks.get(task_id).status == "awaiting_approval"


def test_the_rest_example_lists_updates_cancels_and_catches_a_typed_error(
    base_url: str, admin: Credential, tmp_path: Path
) -> None:
    done = run(example("rest"), base_url, admin.key, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("low Tidy the changelog") and lines[1].startswith(
        "TASK_NOT_FOUND 404 req_"
    )


def test_the_websocket_example_sees_the_cancellation(
    base_url: str, admin: Credential, tmp_path: Path
) -> None:
    done = run(example("websocket"), base_url, admin.key, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1:] == ["task_status", "cancelled"]


def test_the_cli_example_runs_every_command(
    base_url: str, admin: Credential, tmp_path: Path, sdk: Kyros
) -> None:
    done = run(example("cli"), base_url, admin.key, tmp_path, bash=True)
    assert done.returncode == 0, done.stderr
    assert "TASK_NOT_FOUND" in done.stderr and done.stdout.rstrip().endswith("exit 1")
    task_id = re.findall(r"task_[0-9A-Z]{26}", done.stdout)[0]  # what `tasks create` printed
    assert sdk.tasks.get(task_id).status == "cancelled"
    assert (tmp_path / "pending.json").read_text().startswith("[")
    assert oct((tmp_path / "profiles.json").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_the_worker_example_completes_a_submitted_task(
    base_url: str, kyros: Server, tmp_path: Path, sdk: Kyros, store: str
) -> None:
    task = sdk.tasks.create(title="Fix the README typo", files_to_modify=["README.md"])
    sdk.agents.submit("implementer", task_id=task.id)
    agent = make_api_key(kyros, "agent", name="worker")
    done = run(example("worker"), base_url, agent.key, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "handled 1"
    finished = sdk.tasks.get(task.id)
    assert finished.status == "completed" and finished.metadata["cost"] > 0
