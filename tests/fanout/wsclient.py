"""A small client over the `websockets` package, speaking Kyros's WebSocket protocol."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect


def ws_url(base_url: str, path: str = "/ws") -> str:
    return base_url.replace("http://", "ws://") + path


@contextmanager
def open_socket(
    base_url: str, token: str | None = None, path: str = "/ws", **kw: Any
) -> Iterator[ClientConnection]:
    """Connected and, when `token` is given, authenticated with the spec's auth message."""
    with connect(ws_url(base_url, path), open_timeout=10, **kw) as socket:
        if token is not None:
            socket.send(json.dumps({"type": "auth", "token": token}))
            assert next_of(socket, "authenticated")["data"]["subject"]
        yield socket


def receive(socket: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    return json.loads(socket.recv(timeout=timeout))  # type: ignore[no-any-return]


def next_of(socket: ClientConnection, kind: str, timeout: float = 10) -> dict[str, Any]:
    """The next message of `kind`, skipping heartbeats and other types."""
    while True:
        message = receive(socket, timeout)
        if message["type"] == kind:
            return message
        if message["type"] == "error" and kind != "error":
            raise AssertionError(message)


def subscribe(socket: ClientConnection, events: list[str], **extra: Any) -> dict[str, Any]:
    socket.send(json.dumps({"type": "subscribe", "events": events, **extra}))
    return next_of(socket, "subscribed")


def close_code(socket: ClientConnection, timeout: float = 10) -> tuple[int, str]:
    """Reads until the server closes; the close code and reason it sent."""
    try:
        while True:
            socket.recv(timeout=timeout)
    except ConnectionClosed as closed:
        if closed.rcvd is None:
            raise AssertionError("closed without a close frame") from None
        return closed.rcvd.code, closed.rcvd.reason
