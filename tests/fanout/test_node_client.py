"""The spec's JavaScript KyrosWebSocket class, run by Node against a live server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.builders.commands import Credential
from tests.builders.http import create_task
from tests.fanout.wsclient import ws_url

pytestmark = pytest.mark.both_stores  # fan-out wake-ups through each store

SCRIPT = Path(__file__).parent / "js" / "kyros_websocket.mjs"


def node_command() -> list[str]:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is required in CI for the JavaScript client test", pytrace=False)
        pytest.skip("node is not installed")
    probe = subprocess.run(
        [node, "-e", "process.stdout.write(typeof WebSocket)"],
        capture_output=True,
        text=True,
        check=False,
    )
    # Node 20 keeps its WebSocket client behind a flag; from Node 22 on it is global.
    return [node] if probe.stdout == "function" else [node, "--experimental-websocket"]


def line_starting(stream: IO[str], prefix: str) -> str:
    for line in stream:
        if line.startswith(prefix):
            return line.removeprefix(prefix).strip()
        assert not line.startswith(("TIMEOUT", "ERROR")), line
    raise AssertionError(f"node ended before printing {prefix}")


def test_the_spec_javascript_client_authenticates_subscribes_and_receives_progress(
    client: httpx.Client, base_url: str, admin: Credential
) -> None:
    task = create_task(client, title="watched from node")
    command = [*node_command(), str(SCRIPT), ws_url(base_url), admin.key, "task_progress"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as node:
        assert node.stdout is not None
        subscribed = json.loads(line_starting(node.stdout, "SUBSCRIBED "))
        assert subscribed["events"] == ["task_progress"]
        for done in (1, 2):
            body = {"status": "in_progress"} if done == 1 else {}
            body["progress"] = {"completed_steps": done, "total_steps": 4}
            assert client.put(f"/v1/tasks/{task['id']}", json=body).status_code == 200
        updates = [json.loads(line_starting(node.stdout, "TASK_PROGRESS ")) for _ in range(2)]
        assert node.wait(timeout=30) == 0, node.stderr.read() if node.stderr else ""
    assert [u["progress"]["percentage"] for u in updates] == [25, 50]
    assert all(u["task_id"] == task["id"] for u in updates)
