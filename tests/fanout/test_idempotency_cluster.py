"""Two `kyros serve` processes on one PostgreSQL: one Idempotency-Key, one effect."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from tests.conftest import _empty_schema
from tests.e2e.helpers import total_tasks
from tests.e2e.test_idempotency_http import _replayed
from tests.fanout.processes import Server
from tests.fanout.test_cluster import admin_key
from tests.http_client import http_client

pytestmark = pytest.mark.postgres
ROUNDS = 6
PER_PROCESS = 3


@pytest.fixture
def database(postgres_database: str) -> str:
    _empty_schema(postgres_database)
    return postgres_database


def test_concurrent_requests_with_one_key_on_two_processes_create_one_task(
    database: str, tmp_path: Path
) -> None:
    key = admin_key(database, tmp_path / "cli")
    env = {"KYROS_DATABASE_URL": database}
    headers = {"Authorization": f"Bearer {key}"}
    with Server(tmp_path / "a", **env) as a, Server(tmp_path / "b", **env) as b:
        answers: list[httpx.Response] = []
        for round_ in range(ROUNDS):
            answers += _race([a.url, b.url] * PER_PROCESS, headers, f"key-{round_}")
        # b reads a's writes once its read models reach them: the consistency token says when
        reached = max(int(r.headers.get("X-Kyros-Position", 0)) for r in answers)
        after = {"X-Kyros-Min-Position": str(reached)}
        with http_client(base_url=b.url, headers=headers | after, timeout=20) as on_b:
            assert total_tasks(on_b) == ROUNDS
            fresh = [
                r
                for r in answers
                if r.status_code == 201 and "idempotent-replayed" not in r.headers
            ]
            assert len(fresh) == ROUNDS, [r.text for r in answers]
            assert {r.status_code for r in answers} <= {201, 409}
            first = fresh[0]
            again = on_b.post(
                "/v1/tasks", json=_body(first), headers={"Idempotency-Key": _key(first)}
            )
            _replayed(first, again)


def _body(response: httpx.Response) -> dict[str, str]:
    return {"title": response.json()["data"]["title"]}


def _key(response: httpx.Response) -> str:
    return str(response.request.headers["idempotency-key"])


def _race(urls: list[str], headers: dict[str, str], key: str) -> list[httpx.Response]:
    """Every request at once, each from its own thread and connection, alternating processes."""
    barrier = threading.Barrier(len(urls))
    answers: list[httpx.Response] = []

    def send(url: str) -> None:
        with http_client(base_url=url, headers=headers, timeout=30) as http:
            barrier.wait(timeout=10)
            body = {"title": f"Once for {key}"}
            answers.append(http.post("/v1/tasks", json=body, headers={"Idempotency-Key": key}))

    threads = [threading.Thread(target=send, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == len(urls)
    return answers
