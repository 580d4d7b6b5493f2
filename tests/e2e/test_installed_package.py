"""Kyros as a newcomer installs it: `pip install -e .` with no extras, into a fresh venv.

A dependency that lived only in the test extra once left the WebSocket unreachable for every
real user while every test passed; these tests run the package exactly as installed.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from tests.fanout.processes import Server
from tests.fanout.test_node_client import SCRIPT, line_starting, node_command
from tests.fanout.wsclient import ws_url
from tests.http_client import http_client

REPO = Path(__file__).resolve().parents[2]


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("KYROS_", "PYTHON"))}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv holding Kyros and its runtime dependencies only. Under
    pytest-xdist the workers share one, built by whichever asks first (a file lock in the
    run's shared temporary directory): the build is most of this module's time."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return _fresh_venv(tmp_path_factory.mktemp("fresh-venv"))
    shared = tmp_path_factory.getbasetemp().parent  # one per run, shared by its workers
    with (shared / "fresh-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = shared / "fresh-venv" / "bin" / "python"
        return python if python.exists() else _fresh_venv(shared / "fresh-venv")


def _fresh_venv(root: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(root)
    python = root / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", str(REPO)],
        check=True,
        stderr=subprocess.DEVNULL,  # pip's index warnings; a failure still fails the check
        env=_environment(),
        timeout=600,
    )
    return python


def _kyros(python: Path, data_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [str(python), "-m", "kyros", *args],
        env={**_environment(), "KYROS_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_every_module_imports_without_the_test_extra(installed: Path) -> None:
    probe = (
        "import importlib, pkgutil, kyros\n"
        "for m in pkgutil.walk_packages(kyros.__path__, 'kyros.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "import pytest\n"
    )
    done = subprocess.run(
        [str(installed), "-c", probe], capture_output=True, text=True, env=_environment()
    )
    # Every Kyros module imported; only the last line (a test-only package) must fail.
    assert "No module named 'pytest'" in done.stderr, done.stderr


def test_the_spec_javascript_client_receives_progress_from_the_installed_server(
    installed: Path, tmp_path: Path
) -> None:
    with Server(tmp_path, python=str(installed)) as server:
        key = _kyros(installed, tmp_path, "keys", "create", "--name", "node", "--role", "admin")
        headers = {"Authorization": f"Bearer {key}"}
        with http_client(base_url=server.url, headers=headers, timeout=10) as client:
            hub = client.get("/v1/monitoring/health").json()["data"]["services"]["websocket_hub"]
            assert hub["status"] == "healthy" and hub["upgrade_library"] == "websockets"
            created = client.post("/v1/tasks", json={"title": "watched as installed"})
            task_id = created.json()["data"]["id"]
            command = [*node_command(), str(SCRIPT), ws_url(server.url), key, "task_progress"]
            with subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            ) as node:
                assert node.stdout is not None
                line_starting(node.stdout, "SUBSCRIBED ")
                body = {
                    "status": "in_progress",
                    "progress": {"completed_steps": 1, "total_steps": 4},
                }
                assert client.put(f"/v1/tasks/{task_id}", json=body).status_code == 200
                update = json.loads(line_starting(node.stdout, "TASK_PROGRESS "))
                node.kill()
    assert update["task_id"] == task_id and update["progress"]["percentage"] == 25


def test_health_calls_the_hub_unhealthy_when_no_websocket_library_can_upgrade(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\nsys.modules['websockets'] = None\nsys.modules['wsproto'] = None\n"
    )
    with Server(tmp_path / "data", python=sys.executable, PYTHONPATH=str(blocker)) as server:
        key = _kyros(
            Path(sys.executable),
            tmp_path / "data",
            "keys",
            "create",
            "--name",
            "h",
            "--role",
            "admin",
        )
        health = httpx.get(
            f"{server.url}/v1/monitoring/health", headers={"Authorization": f"Bearer {key}"}
        ).json()["data"]
        upgrade = httpx.get(
            f"{server.url}/ws",
            headers={
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            },
        )
    assert upgrade.status_code != 101  # the defect itself: nothing can upgrade
    hub = health["services"]["websocket_hub"]
    assert hub["status"] == "unhealthy" and hub["upgrade_library"] is None
    assert health["overall_status"] != "healthy"
    assert any("websocket_hub cannot accept connections" in issue for issue in health["issues"])


def test_the_installed_package_exports_the_cost_ledger_to_parquet(
    installed: Path, tmp_path: Path
) -> None:
    """pyarrow is a runtime dependency: imported on the first Parquet export, not at startup,
    so importing every module would not notice it missing."""
    _kyros(
        installed, tmp_path, "keys", "create", "--name", "analyst", "--role", "auditor", "--init"
    )
    out = tmp_path / "ledger.parquet"
    _kyros(installed, tmp_path, "costs", "export", "--format", "parquet", "--out", str(out))
    table = pq.read_table(out)
    assert (table.num_rows, str(table.schema.field("cost").type)) == (0, "decimal128(38, 9)")
