"""A real webhook receiver on loopback that can fail, stall, throttle or vanish on demand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Reply:
    status: int = 200
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b"ok"


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    def verifies_with(self, secret: str | bytes) -> bool:
        """The reference Standard Webhooks library decides, not our own code (bytes are the raw
        HMAC key, a string is a `whsec_` secret)."""
        try:
            Webhook(secret).verify(self.body, self.headers)
        except WebhookVerificationError:
            return False
        return True


class Receiver:
    """`behave` maps each request (in arrival order) to a reply; the default answers 200."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.behave: Callable[[Received], Reply] = lambda _: Reply()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                got = Received(
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                    time.time(),
                )
                with receiver.lock:
                    receiver.received.append(got)
                reply = receiver.behave(got)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def wait_for(
        self, condition: Callable[[list[Received]], bool], timeout: float = 20
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            got = self.snapshot()
            if condition(got):
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"receiver condition not met; got {len(got)} requests")
            time.sleep(0.05)


def by_message(received: list[Received]) -> dict[str, list[Received]]:
    """Requests grouped by webhook-id: every retry of one message shares it."""
    grouped: dict[str, list[Received]] = {}
    for got in received:
        grouped.setdefault(got.headers["webhook-id"], []).append(got)
    return grouped
