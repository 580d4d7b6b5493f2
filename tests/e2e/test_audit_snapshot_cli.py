"""`kyros audit snapshot` over a store a live server wrote to over HTTP: the file, opened with
sqlite3 alone, holds every read model as of the instant and nothing later (both stores: the
snapshot reads each store's log)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.http import create_task

pytestmark = pytest.mark.both_stores


def _snapshot(kyros: Kyros, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    env["KYROS_DATA_DIR"] = str(kyros.settings.data_dir)
    if kyros.settings.database_url:
        env["KYROS_DATABASE_URL"] = kyros.settings.database_url
    return subprocess.run(
        [sys.executable, "-m", "kyros", "audit", "snapshot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_a_snapshot_holds_the_read_models_as_of_the_instant_and_nothing_later(
    kyros: Kyros, client: httpx.Client, tmp_path: Path
) -> None:
    kept = create_task(client, title="Before the instant")
    budget = client.post("/v1/budgets", json={"name": "Daily", "period": "daily", "limit": 100})
    assert budget.status_code == 201
    instant = datetime.now(UTC).isoformat()
    changed = client.put(f"/v1/tasks/{kept['id']}", json={"title": "After the instant"})
    assert changed.status_code == 200
    later = create_task(client, title="Created later")
    out = tmp_path / "audit" / "then.sqlite3"
    out.parent.mkdir()

    made = _snapshot(kyros, "--as-of", instant, "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["then.sqlite3"]  # one file
    tasks = _rows(out, "SELECT id, title FROM rm_tasks")
    assert tasks == [(kept["id"], "Before the instant")]
    assert later["id"] not in str(_rows(out, "SELECT doc FROM rm_tasks"))
    assert [r[0] for r in _rows(out, "SELECT name FROM rm_budgets")] == ["Daily"]
    ((as_of, position, head, _),) = _rows(out, "SELECT * FROM kyros_snapshot")
    assert position < head and as_of.startswith(instant[:19])
    positions = {r[0]: r[1] for r in _rows(out, "SELECT name, position FROM projection_positions")}
    assert set(positions.values()) == {position}
    assert "tasks" in positions and "budgets" in positions

    refused = _snapshot(kyros, "--as-of", instant, "--out", str(out))
    assert refused.returncode != 0 and "--force" in refused.stderr
    forced = _snapshot(kyros, "--as-of-position", str(head), "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    titles = sorted(r[0] for r in _rows(out, "SELECT title FROM rm_tasks"))
    assert titles == ["After the instant", "Created later"]
    doc = json.loads(_rows(out, f"SELECT doc FROM rm_tasks WHERE id = '{kept['id']}'")[0][0])
    assert doc["title"] == "After the instant"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--as-of", "yesterday"], "--as-of"),
        (["--as-of", (datetime.now(UTC) + timedelta(days=1)).isoformat()], "--as-of"),
        (["--as-of-position", "999999"], "--as-of-position"),
        ([], "--as-of"),
    ],
)
def test_a_snapshot_of_a_bad_point_is_refused_and_writes_nothing(
    kyros: Kyros, client: httpx.Client, tmp_path: Path, args: list[str], named: str
) -> None:
    create_task(client)
    out = tmp_path / "never.sqlite3"
    refused = _snapshot(kyros, *args, "--out", str(out))
    assert refused.returncode != 0
    assert named in refused.stderr
    assert not out.exists()
