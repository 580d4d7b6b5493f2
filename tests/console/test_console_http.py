"""The console's pages and assets over HTTP: the security headers on every answer, and no rate
limit on static files (a page load fetches a dozen modules)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_rate_limits_http import serve


@pytest.fixture
def tight_anonymous(tmp_path: Path) -> Iterator[httpx.Client]:
    yield from serve(tmp_path, anonymous=True, limits={"default": "3/minute"})


def test_the_console_is_served_with_a_strict_content_security_policy(
    anonymous: httpx.Client,
) -> None:
    page = anonymous.get("/console")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and "style=" not in page.text
    script = anonymous.get("/console/assets/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["content-security-policy"] == policy


def test_loading_the_console_spends_no_rate_limit(tight_anonymous: httpx.Client) -> None:
    for path in ["/console", "/console/assets/app.js", "/console/assets/console.css"] * 3:
        assert tight_anonymous.get(path).status_code == 200, path
    assert tight_anonymous.get("/v1/tasks").status_code == 401  # the API is still limited
    statuses = [tight_anonymous.get("/v1/tasks").status_code for _ in range(3)]
    assert statuses[-1] == 429
