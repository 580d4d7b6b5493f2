"""Reading the events API in tests: every page until `next_after` runs out, and the stream."""

from __future__ import annotations

import json
from typing import Any

import httpx


def all_pages(http: httpx.Client, path: str = "/v1/events", **params: Any) -> list[dict[str, Any]]:
    """Follows `next_after` until it is null; fails on a repeated or out-of-order position."""
    events: list[dict[str, Any]] = []
    after = params.pop("after", 0)
    for _ in range(1_000):
        response = http.get(path, params={**params, "after": after})
        assert response.status_code == 200, response.text
        page = response.json()["data"]
        events += page["events"]
        if page["next_after"] is None:
            positions = [e["position"] for e in events]
            assert positions == sorted(set(positions))
            return events
        after = page["next_after"]
    raise AssertionError("next_after never ran out")


def streamed(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = http.get("/v1/events", params=params, headers={"Accept": "application/x-ndjson"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def types_of(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]
