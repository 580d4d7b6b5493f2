"""Shared pieces of the fan-out tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def deliveries(client: httpx.Client, webhook_id: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"/v1/webhooks/{webhook_id}/deliveries", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]["deliveries"]  # type: ignore[no-any-return]


def eventually(probe: Callable[[], T | None], timeout: float = 20, every: float = 0.05) -> T:
    """The first truthy answer of `probe` within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every)
