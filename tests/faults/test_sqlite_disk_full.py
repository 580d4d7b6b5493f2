"""A SQLite store whose disk fills while the server runs: writes answer 503 with Retry-After,
reads keep working, and writes succeed again once there is room, without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.conftest import GENEROUS_LIMITS, LiveServer
from tests.faults.helpers import assert_unavailable, eventually, timed
from tests.http_client import http_client
from tests.mounts import tmpfs


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MiB tmpfs: a disk that really fills."""
    with tmpfs(tmp_path / "disk", "32m", "a full disk") as where:
        yield where


def _fill(disk: Path) -> Path:
    """Writes a ballast file until the disk refuses another byte."""
    ballast = disk / "ballast"
    with ballast.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return ballast


def test_a_full_disk_answers_writes_503_keeps_reads_and_recovers(small_disk: Path) -> None:
    settings = Settings(
        data_dir=small_disk,
        projection_poll_seconds=0.1,
        rate_limits=GENEROUS_LIMITS,
        database_timeout_seconds=1.0,
    )
    with Kyros(settings) as kyros, LiveServer(kyros) as base_url:
        key = make_api_key(kyros, "admin").key
        with http_client(base_url=base_url, timeout=60, headers={"X-API-Key": key}) as client:
            assert client.post("/v1/tasks", json={"title": "before"}).status_code == 201
            ballast = _fill(small_disk)
            big = {"title": "full", "description": "x" * 9000}
            refused = None
            for _ in range(200):  # a few may still fit in pages SQLite already holds
                attempt = timed(lambda: client.post("/v1/tasks", json=big))
                if attempt.response.status_code != 201:
                    refused = attempt
                    break
            assert refused is not None, "the disk never filled"
            assert_unavailable(refused, 1.0)
            listed = client.get("/v1/tasks")
            assert listed.status_code == 200
            assert "before" in {t["title"] for t in listed.json()["data"]["tasks"]}

            ballast.unlink()
            eventually(lambda: client.post("/v1/tasks", json={"title": "after"}), 201)
            titles = {t["title"] for t in client.get("/v1/tasks").json()["data"]["tasks"]}
            assert {"before", "after"} <= titles
