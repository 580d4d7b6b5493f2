"""`kyros serve --workers N`: N processes on one PostgreSQL answer alike; SQLite refuses N > 1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.conftest import _empty_schema
from tests.fanout.processes import FAST_ENV, JWT_SECRET, Server, free_port
from tests.http_client import http_client

ROUNDS = 20  # of CONCURRENT fresh connections, until both workers have answered one
CONCURRENT = 16


def pinned_clients(url: str, headers: dict[str, str]) -> dict[str, httpx.Client]:
    """One keep-alive client per worker process, keyed by the pid the worker answers with. The
    kernel deals new connections to whichever worker accepts first, so several are opened at
    once until each worker has taken one."""
    found: dict[str, httpx.Client] = {}
    for _ in range(ROUNDS):
        clients = [
            http_client(base_url=url, headers=headers, timeout=20) for _ in range(CONCURRENT)
        ]
        with ThreadPoolExecutor(CONCURRENT) as pool:
            answers = list(pool.map(lambda c: c.get("/v1/health/live"), clients))
        for client, answer in zip(clients, answers, strict=True):
            assert answer.status_code == 200
            pid = answer.headers["X-Kyros-Worker"]
            if pid not in found:
                found[pid] = client
            else:
                client.close()
        if len(found) == 2:
            break
    return found


@pytest.mark.postgres
def test_two_workers_both_answer_and_read_each_others_writes(
    postgres_database: str, tmp_path: Path
) -> None:
    _empty_schema(postgres_database)
    settings = Settings(database_url=postgres_database, data_dir=tmp_path, jwt_secret=JWT_SECRET)
    with Kyros(settings) as kyros:
        key = make_api_key(kyros, "admin").key
    headers = {"Authorization": f"Bearer {key}"}
    env = {"KYROS_DATABASE_URL": postgres_database}
    with Server(tmp_path / "serve", args=("--workers", "2"), **env) as server:
        clients = pinned_clients(server.url, headers)
        try:
            assert len(clients) == 2, f"only workers {sorted(clients)} answered"
            assert str(server.process.pid) not in clients  # the supervisor serves nothing
            writer, reader = clients.values()
            made = writer.post("/v1/tasks", json={"title": "written on one worker"})
            assert made.status_code == 201, made.text
            task = made.json()["data"]
            deadline = time.monotonic() + 20  # the other process's read model follows the log
            while (read := reader.get(f"/v1/tasks/{task['id']}")).status_code == 404:
                assert time.monotonic() < deadline, "never readable on the other worker"
                time.sleep(0.1)
            assert read.status_code == 200, read.text
            assert read.headers["X-Kyros-Worker"] != made.headers["X-Kyros-Worker"]
            assert read.json()["data"]["title"] == "written on one worker"
        finally:
            for client in clients.values():
                client.close()


def test_sqlite_refuses_more_than_one_worker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    env |= FAST_ENV | {"KYROS_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "kyros", "serve", "--port", str(free_port()), "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--workers above 1 needs PostgreSQL" in done.stderr
    assert not (tmp_path / "kyros.sqlite3").exists()  # refused before the store is touched
