"""A real HTTP server on loopback, in a thread, for the fake providers; it records requests."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback_http import LoopbackHTTPServer


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived; `at` is `time.monotonic()` when its body had been read."""

    at: float
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(frozen=True)
class Scripted:
    """Instead of the normal answer: wait `delay` seconds, then answer `status` (0: normal)."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class WireServer(LoopbackHTTPServer):
    """Subclasses implement `answer` (the protocol) and `error_body` (the provider's errors)."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        super().__init__(_handler_for(self))

    def answer(self, exchange: Exchange, request: Recorded) -> None:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        raise NotImplementedError

    def _next(self, request: Recorded) -> Scripted | None:
        with self._lock:
            self.requests.append(request)
            return self.script.popleft() if self.script else None


class Exchange:
    """Writes one response: a whole JSON body, or a `text/event-stream` of SSE frames."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self.handler = handler

    def json(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(body).encode()
        self.handler.send_response(status)
        self.handler.send_header("Content-Type", "application/json")
        self.handler.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.handler.send_header(name, value)
        self.handler.end_headers()
        self.handler.wfile.write(payload)

    def start_events(self, headers: dict[str, str] | None = None) -> None:
        """No Content-Length: the stream ends when the connection closes, as HTTP/1.1 allows."""
        self.handler.send_response(200)
        self.handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.handler.send_header("Cache-Control", "no-cache")
        self.handler.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.handler.send_header(name, value)
        self.handler.end_headers()
        self.handler.close_connection = True

    def event(self, data: dict[str, Any] | str, name: str | None = None) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        frame = (f"event: {name}\n" if name else "") + f"data: {text}\n\n"
        self.handler.wfile.write(frame.encode())
        self.handler.wfile.flush()


def _handler_for(server: WireServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"_unparsable": raw.decode(errors="replace")}
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = Recorded(time.monotonic(), self.path, headers, body)
            scripted = server._next(request)
            exchange = Exchange(self)
            try:
                if scripted is not None:
                    time.sleep(scripted.delay)
                if scripted is not None and scripted.status:
                    message = f"scripted HTTP {scripted.status}"
                    body = server.error_body(scripted.status, message)
                    exchange.json(scripted.status, body, scripted.headers)
                else:
                    server.answer(exchange, request)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests assert on `server.requests` instead."""

    return Handler
