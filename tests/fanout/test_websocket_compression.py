"""Per-message deflate is negotiated only when KYROS_WS_COMPRESSION turns it on."""

from __future__ import annotations

import base64
import os
import socket
from pathlib import Path

import pytest

from tests.fanout.processes import Server


def upgrade_answer(port: int) -> str:
    """The server's answer to an upgrade that offers permessage-deflate, as a browser does."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /v1/ws HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            assert chunk, f"closed before the handshake's end: {answer!r}"
            answer += chunk
    return answer.partition(b"\r\n\r\n")[0].decode("latin-1").lower()


@pytest.mark.parametrize(("setting", "negotiated"), [(None, False), ("true", True)])
def test_deflate_only_when_configured(
    tmp_path: Path, setting: str | None, negotiated: bool
) -> None:
    env = {} if setting is None else {"KYROS_WS_COMPRESSION": setting}
    with Server(tmp_path / "serve", **env) as server:
        head = upgrade_answer(server.port)
    assert head.startswith("http/1.1 101"), head
    assert ("permessage-deflate" in head) is negotiated, head
