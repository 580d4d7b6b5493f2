"""Faults between the SDK and a real server: an HTTP proxy that answers 503/429 once, and a
TCP proxy whose open connections can be cut while it keeps accepting new ones."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler

import httpx

from tests.faults.proxy import FreezableProxy
from tests.loopback_http import LoopbackHTTPServer


class RefusingOnce(LoopbackHTTPServer):
    """Forwards to `upstream`; the first request matching (method, path) is answered `status`
    with `Retry-After: 0` — after forwarding it when `forward_first` (the server acted, the
    answer was lost) or without forwarding (the server refused). Records every request seen."""

    def __init__(
        self, upstream: str, method: str, path: str, status: int, *, forward_first: bool
    ) -> None:
        self.seen: list[tuple[str, str, str | None]] = []
        self._pending = threading.Event()
        self._pending.set()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append((self.command, self.path, self.headers.get("Idempotency-Key")))
                first = (
                    self.command == method
                    and self.path.split("?")[0] == path
                    and proxy._pending.is_set()
                )
                if first:
                    proxy._pending.clear()
                if not first or forward_first:
                    headers = {
                        k: v
                        for k, v in self.headers.items()
                        if k.lower() not in ("host", "content-length")
                    }
                    answer = httpx.request(
                        self.command,
                        upstream + self.path,
                        headers=headers,
                        content=body,
                        timeout=30,
                    )
                if first:
                    self._answer(
                        status,
                        {"Retry-After": "0", "Content-Type": "application/json"},
                        b'{"success": false, "error": {"code": "SERVICE_UNAVAILABLE", '
                        b'"message": "try again", "details": {}}}',
                    )
                    return
                kept = {
                    k: v
                    for k, v in answer.headers.items()
                    if k.lower() not in ("content-length", "transfer-encoding", "content-encoding")
                }
                self._answer(answer.status_code, kept, answer.content)

            def _answer(self, code: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(code)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _relay

        super().__init__(Handler)


class CuttableProxy(FreezableProxy):
    """`cut()` resets every open connection, as a network drop does; new ones still connect."""

    def cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
