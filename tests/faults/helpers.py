"""Timed requests against a Kyros served on loopback, for the fault suite."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import httpx

BOUND = 2.0  # KYROS_DATABASE_TIMEOUT_SECONDS in these tests
SLACK = 6.0  # generous: a loaded CI machine, a pool check and a checkout may add up


class Timed(NamedTuple):
    response: httpx.Response
    seconds: float


def timed(call: Callable[[], httpx.Response]) -> Timed:
    started = time.monotonic()
    response = call()
    return Timed(response, time.monotonic() - started)


def via_port(url: str, port: int) -> str:
    """The same PostgreSQL URL, reached through another loopback port."""
    parts = urlsplit(url)
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def assert_unavailable(timed_response: Timed, bound: float = BOUND) -> None:
    """503 SERVICE_UNAVAILABLE in the envelope, with Retry-After, within the bound."""
    response, seconds = timed_response
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(response.headers["Retry-After"]) > 0
    assert seconds < bound + SLACK, f"answered after {seconds:.1f} s"


def eventually(call: Callable[[], httpx.Response], status: int, within: float = 45) -> Timed:
    """Retries until the answer has `status` (recovery needs no restart), timing that wait."""
    started = time.monotonic()
    while True:
        try:
            response = call()
            if response.status_code == status:
                return Timed(response, time.monotonic() - started)
        except httpx.TimeoutException:
            pass
        assert time.monotonic() - started < within, f"still not {status} after {within} s"
        time.sleep(0.5)
