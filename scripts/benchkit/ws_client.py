"""A minimal WebSocket client for measuring fan-out: the arrival time is taken when the bytes
reach the process (`data_received`), before any parsing, so a thousand sockets in one client
process measure the server, not the client's own frame and JSON handling.

RFC 6455 as far as a benchmark needs: the handshake, masked client text frames, unmasked server
frames, ping → pong, close; permessage-deflate when offered and accepted (context takeover kept,
as a browser does). A general-purpose client this is not: the tests use `websockets`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec

_TAIL = b"\x00\x00\xff\xff"  # permessage-deflate strips it from every message


class Client(asyncio.Protocol):
    """One socket. Text messages land in `arrived` as (arrival time, raw bytes); `on_message`,
    when set, is called with each instead (it must be cheap: it runs per frame)."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.arrived: list[tuple[float, bytes]] = []
        self.on_message: Callable[[float, bytes], None] | None = None
        self.close_code: int | None = None
        self._buffer = b""
        self._inflate: Any = None
        self._waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)
        self._wake()

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self._buffer + data
        if not self.opened.done():
            head, sep, buffer = buffer.partition(b"\r\n\r\n")
            if not sep:
                self._buffer = head
                return
            status = head.split(b"\r\n", 1)[0]
            if b" 101 " not in status + b" ":
                self.opened.set_exception(ConnectionError(status.decode("latin-1")))
                return
            if b"permessage-deflate" in head.lower():
                self._inflate = zlib.decompressobj(-15)
            self.opened.set_result(None)
        self._buffer = self._frames(buffer, now)

    def _frames(self, buffer: bytes, now: float) -> bytes:
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            length, start = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length, start = struct.unpack_from("!H", buffer, 2)[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
            if len(buffer) < start + length:
                break
            payload, buffer = buffer[start : start + length], buffer[start + length :]
            opcode = first & 0x0F
            if first & 0x40 and self._inflate is not None:  # RSV1: a compressed message
                payload = self._inflate.decompress(payload + _TAIL)
            if opcode == 0x1:
                if self.on_message is not None:
                    self.on_message(now, payload)
                else:
                    self.arrived.append((now, payload))
                    self._wake()
            elif opcode == 0x9:
                self._write(0xA, payload)
            elif opcode == 0x8:
                self.close_code = struct.unpack_from("!H", payload)[0] if payload else 1005
                if self.transport is not None:
                    self.transport.close()
        return buffer

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _write(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65_536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        masked = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big") if n else b""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(head + mask + masked)

    def send_json(self, message: Any) -> None:
        self._write(0x1, msgspec.json.encode(message))

    async def next_json(self) -> Any:
        """The next text message, decoded (for the setup exchange before measuring)."""
        while not self.arrived:
            if self.closed.done():
                raise ConnectionError(f"closed with {self.close_code} before the message")
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return msgspec.json.decode(self.arrived.pop(0)[1])

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._write(0x8, struct.pack("!H", 1000))
            self.transport.close()


async def connect(url: str, *, compression: bool) -> Client:
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {parts.path or '/'} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if compression:  # what a browser offers
        lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: Client(request), parts.hostname, parts.port or 80
    )
    await client.opened
    return client
