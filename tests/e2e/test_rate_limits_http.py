"""Rate limits per endpoint group and identity, over a real socket, in memory and in Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from kyros.bootstrap import Kyros
from kyros.http.rate_limit import group_for
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.conftest import GENEROUS_LIMITS, LiveServer
from tests.http_client import http_client

REDIS_URL = os.environ.get("KYROS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def serve(
    tmp_path: Path, *, anonymous: bool = False, **overrides: object
) -> Iterator[httpx.Client]:
    """A server with its own limits; anonymous callers are limited by address (and get 401)."""
    limits = {**GENEROUS_LIMITS, **overrides.pop("limits", {})}  # type: ignore[dict-item]
    settings = Settings(data_dir=tmp_path, rate_limits=limits, **overrides)  # type: ignore[arg-type]
    with Kyros(settings) as kyros, LiveServer(kyros) as url:
        auth = {} if anonymous else {"Authorization": f"Bearer {make_api_key(kyros, 'admin').key}"}
        with http_client(base_url=url, headers=auth) as http:
            yield http


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[httpx.Client]:
    yield from serve(tmp_path, limits={"task_create": "3/hour", "default": "5/minute"})


def test_every_limited_response_carries_the_spec_and_ietf_headers(tight: httpx.Client) -> None:
    response = tight.get("/v1/tasks")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "5"
    assert response.headers["X-RateLimit-Remaining"] == "4"
    assert int(response.headers["X-RateLimit-Reset"]) > 1_700_000_000
    assert response.headers["RateLimit"].startswith("limit=5, remaining=4, reset=")
    assert response.headers["RateLimit-Policy"] == "5;w=60"


def test_past_the_limit_requests_get_429_rate_limited_and_change_nothing(
    tight: httpx.Client,
) -> None:
    for n in range(3):
        assert tight.post("/v1/tasks", json={"title": f"t{n}"}).status_code == 201
    refused = tight.post("/v1/tasks", json={"title": "one too many"})
    assert refused.status_code == 429
    body = refused.json()
    assert body["success"] is False
    assert body["error"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-Request-ID"] == body["request_id"]
    listed = tight.get("/v1/tasks").json()["data"]
    assert listed["pagination"]["total"] == 3


def test_groups_keep_separate_counters(tight: httpx.Client) -> None:
    for n in range(4):
        tight.post("/v1/tasks", json={"title": f"t{n}"})
    reading = tight.get("/v1/tasks")
    assert reading.status_code == 200
    assert reading.headers["X-RateLimit-Limit"] == "5"


def test_docs_are_never_limited(tight: httpx.Client) -> None:
    for _ in range(8):
        response = tight.get("/v1/schema/openapi.json")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Remaining"] == "5"  # reported, never spent


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(tmp_path: Path) -> None:
    def exhaust_then_switch(http: httpx.Client) -> int:
        for _ in range(5):
            http.get("/v1/tasks", headers={"X-Forwarded-For": "203.0.113.1"})
        return http.get("/v1/tasks", headers={"X-Forwarded-For": "203.0.113.2"}).status_code

    untrusted = serve(tmp_path / "a", anonymous=True, limits={"default": "5/minute"})
    assert exhaust_then_switch(next(untrusted)) == 429  # the header is a forgery here
    untrusted.close()
    trusted = serve(
        tmp_path / "b",
        anonymous=True,
        limits={"default": "5/minute"},
        trusted_proxies=("127.0.0.1/32",),
    )
    assert exhaust_then_switch(next(trusted)) == 401  # a new address: not limited, just unknown
    trusted.close()


def test_servers_sharing_redis_share_one_counter(tmp_path: Path) -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
    # A fresh per-test limit string keeps this run's counters apart from earlier runs.
    limit = f"{4 + uuid.uuid4().int % 1000}/hour"
    first = serve(tmp_path / "a", anonymous=True, limits={"default": limit}, redis_url=REDIS_URL)
    second = serve(tmp_path / "b", anonymous=True, limits={"default": limit}, redis_url=REDIS_URL)
    one, two = next(first), next(second)
    amount = int(limit.split("/")[0])
    statuses = [(one if n % 2 else two).get("/v1/tasks").status_code for n in range(amount + 1)]
    assert statuses == [401] * amount + [429]  # one address, one counter across both servers
    first.close()
    second.close()


@pytest.mark.parametrize(
    ("method", "path", "group"),
    [
        ("POST", "/v1/auth/login", "auth"),
        ("GET", "/v1/auth/me", "default"),
        ("POST", "/v1/tasks", "task_create"),
        ("POST", "/v1/tasks/", "task_create"),
        ("GET", "/v1/tasks", "default"),
        ("PUT", "/v1/tasks/task_1", "default"),
        ("POST", "/v1/models/select", "model_select"),
        ("GET", "/v1/monitoring/health", "monitoring"),
        ("GET", "/v1/monitoring/metrics", "monitoring"),
        ("GET", "/v1/monitoring/costs", "monitoring"),
        ("DELETE", "/v1/webhooks/webhook_1", "webhooks"),
        ("GET", "/v1/health/live", None),
        ("POST", "/v1/agents/register", "agent_work"),
        ("POST", "/v1/agents/agent_01ARZ3NDEKTSV4RRFFQ69G5FAV/claim", "agent_work"),
        ("POST", "/v1/submissions/sub_1/complete", "agent_work"),
        ("POST", "/v1/agents/implementer/submit", "default"),
    ],
)
def test_endpoints_map_to_the_spec_groups(method: str, path: str, group: str | None) -> None:
    assert group_for(method, path) == group
