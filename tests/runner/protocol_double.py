"""A protocol double: a small in-memory stand-in for Kyros's worker endpoints, on a real socket.

It speaks the worker protocol as the runner expects it (envelopes, bearer key, long-poll claim,
capacity) so that the runner can be tested before and apart from the real server.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.loopback_http import LoopbackHTTPServer

AGENT_KEY = "kyros_agent_test_key"


@dataclass
class Call:
    """A request the runner made: `kind` is register, heartbeat, claim, progress, complete, fail."""

    kind: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class WorkerProtocolDouble(LoopbackHTTPServer):
    def __init__(
        self, *, api_key: str = AGENT_KEY, heartbeat_interval: float = 0.1, max_wait: float = 2.0
    ) -> None:
        self.api_key = api_key
        self.heartbeat_interval = heartbeat_interval
        self.max_wait = max_wait  # caps a claim's long-poll so test teardown stays quick
        self.calls: list[Call] = []
        self.queue: deque[dict[str, Any]] = deque()
        self.held: dict[str, dict[str, Any]] = {}
        self.max_held = 0
        self.capacity = 0
        self.claim_errors = 0  # answer this many claims with 503 first
        self.drop_reports = 0  # close this many `complete` connections without an answer
        self._changed = threading.Condition()
        super().__init__(_handler_for(self))

    def offer(
        self,
        task: dict[str, Any],
        *,
        model: str = "glm-4.5",
        role: str = "implementer",
        **extra: Any,
    ) -> str:
        """Queues a submission (`extra`: context, preferences) for the next claim."""
        with self._changed:
            n = len(self.queue) + len(self.held) + len(self.of_kind("complete", "fail")) + 1
            submission = {
                "submission_id": f"sub_{n:04d}",
                "task_id": f"task_{n:04d}",
                "role": role,
                "model": model,
                "lease_expires_at": "2030-01-01T00:00:00Z",
                "task": task,
                **extra,
            }
            self.queue.append(submission)
            self._changed.notify_all()
            return str(submission["submission_id"])

    def take_dropped_report(self) -> bool:
        with self._changed:
            if self.drop_reports <= 0:
                return False
            self.drop_reports -= 1
            return True

    def of_kind(self, *kinds: str) -> list[Call]:
        return [call for call in self.calls if call.kind in kinds]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.of_kind(kind)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} {kind} calls, got {self.calls}")
                self._changed.wait(left)
            return self.of_kind(kind)

    def handle(self, call: Call, query: dict[str, list[str]]) -> tuple[int, Any]:
        """(status, data) for success; (status, error dict) when status ≥ 400."""
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
            if call.kind == "register":
                self.capacity = int(call.body["capacity"])
                return 201, {
                    "agent_id": "agent_01double",
                    "role": call.body["role"],
                    "capacity": self.capacity,
                    "lease_seconds": 60,
                    "heartbeat_interval_seconds": self.heartbeat_interval,
                }
            if call.kind == "heartbeat":
                return 200, {"agent_id": "agent_01double", "leases": list(self.held)}
            if call.kind == "claim" and self.claim_errors > 0:
                self.claim_errors -= 1
                return 503, {"code": "SERVICE_UNAVAILABLE", "message": "try again"}
            if call.kind == "claim":
                return self._claim(float(query.get("wait", ["0"])[0]))
            submission_id = call.path.split("/")[3]
            if submission_id not in self.held:
                return 403, {"code": "FORBIDDEN", "message": "not held"}
            if call.kind in ("complete", "fail"):
                del self.held[submission_id]
            return 200, {"submission_id": submission_id}

    def _claim(self, wait: float) -> tuple[int, Any]:
        if len(self.held) >= self.capacity:
            return 409, {"code": "CONFLICT", "message": "at capacity"}
        deadline = time.monotonic() + min(wait, self.max_wait)
        while not self.queue and time.monotonic() < deadline:
            self._changed.wait(deadline - time.monotonic())
        if not self.queue:
            return 200, {"submission": None}
        submission = self.queue.popleft()
        self.held[submission["submission_id"]] = submission
        self.max_held = max(self.max_held, len(self.held))
        return 200, {"submission": submission}


_ROUTES = (
    (re.compile(r"^/v1/agents/register$"), "register"),
    (re.compile(r"^/v1/agents/[^/]+/heartbeat$"), "heartbeat"),
    (re.compile(r"^/v1/agents/[^/]+/claim$"), "claim"),
    (re.compile(r"^/v1/submissions/[^/]+/(progress|complete|fail)$"), None),
)


def _handler_for(double: WorkerProtocolDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            kind = _route(url.path)
            if kind == "complete" and double.take_dropped_report():
                self.close_connection = True  # no answer at all: the runner sees a lost connection
                return
            if headers.get("authorization") != f"Bearer {double.api_key}":
                status, data = 401, {"code": "UNAUTHORIZED", "message": "bad key"}
            elif kind is None:
                status, data = 404, {"code": "RESOURCE_NOT_FOUND", "message": url.path}
            else:
                call = Call(kind, url.path, headers, json.loads(raw or b"{}"))
                status, data = double.handle(call, parse_qs(url.query))
            ok = status < 400
            envelope = {"success": ok, "data" if ok else "error": data, "request_id": "req_1"}
            payload = json.dumps(envelope).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            try:
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the runner abandoned a long-poll on stop

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests assert on `double.calls`."""

    return Handler


def _route(path: str) -> str | None:
    for pattern, kind in _ROUTES:
        match = pattern.match(path)
        if match:
            return kind or match.group(1)
    return None
