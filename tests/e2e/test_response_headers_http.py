"""Headers the spec promises on every response, over a real socket: the X-RateLimit-* trio (also
on unknown routes, wrong methods, probes and docs), a single charset on /metrics, and an Allow
header on OPTIONS that lists every method the path serves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_rate_limits_http import serve

LIMIT = "3"


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[httpx.Client]:
    yield from serve(tmp_path, limits={"default": f"{LIMIT}/minute", "webhooks": "7/minute"})


@pytest.fixture
def tight_anonymous(tmp_path: Path) -> Iterator[httpx.Client]:
    yield from serve(tmp_path, anonymous=True, limits={"default": f"{LIMIT}/minute"})


def limit_headers(response: httpx.Response) -> tuple[str, str, int]:
    reset = int(response.headers["X-RateLimit-Reset"])
    assert reset > 1_700_000_000
    return response.headers["X-RateLimit-Limit"], response.headers["X-RateLimit-Remaining"], reset


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/nope", 404),
        ("GET", "/nope", 404),
        ("GET", "/v1/tasks/x/y", 404),
        ("PATCH", "/v1/tasks", 405),
        ("DELETE", "/v1/configuration", 405),
    ],
)
def test_unknown_routes_and_wrong_methods_carry_the_rate_limit_headers(
    tight_anonymous: httpx.Client, method: str, path: str, status: int
) -> None:
    response = tight_anonymous.request(method, path)
    assert response.status_code == status
    assert response.json()["success"] is False
    limit, remaining, _ = limit_headers(response)
    assert (limit, remaining) == (LIMIT, LIMIT)


def test_an_unknown_route_reports_the_standing_of_its_paths_group(tight: httpx.Client) -> None:
    response = tight.get("/v1/webhooks/webhook_1/no/such/thing")
    assert response.status_code == 404
    assert limit_headers(response)[0] == "7"


def test_an_unknown_route_reports_what_the_address_has_used_without_counting_itself(
    tight_anonymous: httpx.Client,
) -> None:
    assert tight_anonymous.get("/v1/tasks").status_code == 401  # counted against the address
    for _ in range(5):
        response = tight_anonymous.get("/v1/nope")
        assert response.status_code == 404  # never turned into a 429 …
        assert limit_headers(response)[:2] == (LIMIT, "2")  # … and never counted


@pytest.mark.parametrize("path", ["/v1/health/live", "/v1/health/ready"])
def test_probes_carry_the_headers_but_are_never_counted_or_refused(
    tight: httpx.Client, path: str
) -> None:
    assert tight.get("/v1/tasks").status_code == 200
    for _ in range(6):
        response = tight.get(path)
        assert response.status_code == 200
        assert limit_headers(response)[:2] == (LIMIT, "2")
    assert tight.get("/v1/tasks").headers["X-RateLimit-Remaining"] == "1"


def test_docs_carry_the_headers_but_are_never_counted_or_refused(tight: httpx.Client) -> None:
    for _ in range(6):
        response = tight.get("/v1/schema/openapi.json")
        assert response.status_code == 200
        assert limit_headers(response)[:2] == (LIMIT, LIMIT)


def test_prometheus_metrics_name_their_charset_once(tight: httpx.Client) -> None:
    response = tight.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/v1/tasks", {"GET", "POST", "OPTIONS"}),
        ("/v1/tasks/task_01ARZ3NDEKTSV4RRFFQ69G5FAV", {"GET", "PUT", "DELETE", "OPTIONS"}),
        ("/v1/configuration", {"GET", "PUT", "OPTIONS"}),
        ("/v1/webhooks/webhook_1", {"GET", "PUT", "DELETE", "OPTIONS"}),
    ],
)
def test_options_lists_every_method_the_path_serves(
    tight_anonymous: httpx.Client, path: str, methods: set[str]
) -> None:
    response = tight_anonymous.options(path)
    assert response.status_code == 204
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == methods
    wrong = tight_anonymous.patch(path)
    assert wrong.status_code == 405
    assert set(wrong.headers["Allow"].replace(" ", "").split(",")) == methods
