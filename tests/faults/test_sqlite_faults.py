"""A locked or read-only SQLite file: 503 within the lock bound, never 500, then recovery."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.connections.unavailable import is_unavailable
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.conftest import GENEROUS_LIMITS, LiveServer
from tests.faults.helpers import assert_unavailable, eventually, timed
from tests.http_client import http_client

BOUND = 1.0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Kyros, httpx.Client]]:
    settings = Settings(
        data_dir=tmp_path,
        projection_poll_seconds=0.1,
        rate_limits=GENEROUS_LIMITS,
        database_timeout_seconds=BOUND,
    )
    with Kyros(settings) as kyros, LiveServer(kyros) as base_url:
        key = make_api_key(kyros, "admin").key
        with http_client(base_url=base_url, timeout=60, headers={"X-API-Key": key}) as client:
            yield kyros, client


def test_a_write_to_a_locked_sqlite_file_answers_503_and_succeeds_once_the_lock_goes(
    served: tuple[Kyros, httpx.Client],
) -> None:
    kyros, client = served
    assert client.post("/v1/tasks", json={"title": "before"}).status_code == 201
    holder = sqlite3.connect(kyros.settings.sqlite_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        assert_unavailable(timed(lambda: client.post("/v1/tasks", json={"title": "locked"})), BOUND)
        listed = client.get("/v1/tasks")  # readers are not blocked by a writer (WAL)
        assert listed.status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    eventually(lambda: client.post("/v1/tasks", json={"title": "after"}), 201)
    titles = {t["title"] for t in client.get("/v1/tasks").json()["data"]["tasks"]}
    assert titles == {"before", "after"}


def test_a_write_sqlite_refuses_as_read_only_counts_as_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    readonly = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:
        readonly.execute("INSERT INTO t VALUES (1)")
    assert is_unavailable(refused.value)
    with pytest.raises(sqlite3.OperationalError) as bug:
        readonly.execute("SELECT * FROM no_such_table")
    assert not is_unavailable(bug.value)  # a bad statement is a bug, not an outage
