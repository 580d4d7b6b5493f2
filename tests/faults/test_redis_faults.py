"""A Redis that accepts connections but never answers: limits fail open within the bound."""

from __future__ import annotations

import concurrent.futures
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.conftest import GENEROUS_LIMITS, LiveServer
from tests.faults.helpers import SLACK, Timed, timed
from tests.faults.proxy import FreezableProxy
from tests.http_client import http_client

REDIS = ("127.0.0.1", 6379)
BOUND = 0.5


def _redis_reachable() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def proxy() -> Iterator[FreezableProxy]:
    if not _redis_reachable():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (run .ci/run)")
    with FreezableProxy(REDIS) as running:
        yield running


@pytest.fixture
def client(proxy: FreezableProxy, tmp_path: Path) -> Iterator[httpx.Client]:
    settings = Settings(
        data_dir=tmp_path,
        projection_poll_seconds=0.1,
        rate_limits=GENEROUS_LIMITS,
        redis_url=f"redis://127.0.0.1:{proxy.port}/0",
        redis_timeout_seconds=BOUND,
    )
    with Kyros(settings) as kyros, LiveServer(kyros) as base_url:
        key = make_api_key(kyros, "admin").key
        with http_client(base_url=base_url, timeout=60, headers={"X-API-Key": key}) as http:
            yield http
        proxy.thaw()


def _counted(answer: Timed) -> bool:
    return "X-RateLimit-Limit" in answer.response.headers


def test_a_silent_redis_lets_requests_through_within_the_bound_and_limits_resume_after(
    client: httpx.Client, proxy: FreezableProxy
) -> None:
    assert _counted(timed(lambda: client.get("/v1/tasks")))
    proxy.freeze()

    first = timed(lambda: client.get("/v1/tasks"))
    assert first.response.status_code == 200 and not _counted(first)
    assert first.seconds < BOUND * 2 + SLACK
    with concurrent.futures.ThreadPoolExecutor(50) as pool:  # more than the server's threads
        answers = list(pool.map(lambda _: timed(lambda: client.get("/v1/tasks")), range(100)))
    assert {a.response.status_code for a in answers} == {200}
    assert max(a.seconds for a in answers) < BOUND * 2 + SLACK

    proxy.thaw()
    for _ in range(60):  # the store is tried again after a pause of a few seconds
        if _counted(timed(lambda: client.get("/v1/tasks"))):
            break
        time.sleep(0.5)
    else:
        pytest.fail("limits were not counted in Redis again after it came back")
