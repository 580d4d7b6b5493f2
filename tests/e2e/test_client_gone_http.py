"""A client that goes away before its request body arrives is logged and counted as 499,
never as a server error (Litestar answers a body cut short with a 500 no one receives)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.builders.commands import Credential
from tests.e2e.access_lines import Lines, captured
from tests.e2e.helpers import total_tasks

BODY = b'{"title": "Cut short", "type": "implementation", "priority": "medium"}'


def cut_short(base_url: str, key: str, request_id: str) -> None:
    """Sends a POST's headers and half its body, then closes the connection."""
    url = urlsplit(base_url)
    head = (
        f"POST /v1/tasks HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n"
        f"X-Request-ID: {request_id}\r\n\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(head.encode() + BODY[: len(BODY) // 2])
        time.sleep(0.2)  # the server has the headers and is waiting for the rest


@pytest.fixture
def access_lines() -> Iterator[Lines]:
    with captured() as lines:
        yield lines


def test_a_body_cut_short_is_logged_as_499_and_creates_nothing(
    base_url: str, admin: Credential, client: httpx.Client, access_lines: Lines
) -> None:
    cut_short(base_url, admin.key, "gone-before-body")

    assert access_lines.of("gone-before-body").status == 499  # type: ignore[attr-defined]
    assert total_tasks(client) == 0
    whole = client.post("/v1/tasks", content=BODY, headers={"X-Request-ID": "whole-body"})
    assert whole.status_code == 201, whole.text
    assert access_lines.of("whole-body").status == 201  # type: ignore[attr-defined]
    assert total_tasks(client) == 1
