"""One access log line per HTTP request, written by a thread of its own.

The line names the route's template, never the raw path, so no id, query string or `?token=`
reaches the log; headers are never logged. The request only builds the record and queues it:
formatting and writing happen on the writer thread, so a slow log sink never holds a request.
The queue is bounded; when the writer falls that far behind, lines are dropped (and counted in
a warning) rather than blocking or growing without limit. `close` writes what is queued.

The writer takes lines in batches: a request wakes it only when the queue was empty, and it
then lets `BATCH_SECONDS` of lines gather. Waking a thread per line (a futex call, then the
writer taking the GIL from the event loop for one line) was a tenth of the event loop's time
on GET /v1/tasks/{id} under load.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import NamedTuple

log = logging.getLogger("kyros.access")

QUEUE_LINES = 10_000
BATCH_SECONDS = 0.02  # how long a woken writer lets lines gather: at most this late on disk
_IDLE_SECONDS = 1.0  # a writer that missed a wake-up finds its lines after this at the latest


class _Line(NamedTuple):
    created: float  # Unix time the request was answered
    request_id: str
    method: str
    route: str
    status: int
    seconds: float
    principal: str | None


def _record(line: _Line) -> logging.LogRecord:
    ms = line.seconds * 1000
    record = log.makeRecord(
        log.name,
        logging.INFO,
        __file__,
        0,
        "%s %s %d %.1fms principal=%s",
        (line.method, line.route, line.status, ms, line.principal or "-"),
        None,
        extra={
            "method": line.method,
            "route": line.route,
            "status": line.status,
            "duration_ms": round(ms, 1),
            "principal": line.principal,
            "request_id": line.request_id,  # the writer thread has no request context
        },
    )
    late = record.created - line.created
    record.created = line.created
    record.msecs = int((line.created - int(line.created)) * 1000) + 0.0
    record.relativeCreated -= late * 1000
    return record


class AccessLog:
    def __init__(self, max_lines: int = QUEUE_LINES) -> None:
        # A deque: its append is one C call that never blocks nor wakes anyone.
        self._queue: deque[_Line] = deque()
        self._max = max_lines
        self._wake = threading.Event()
        self._stopping = False
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self._dropped = 0

    def record(
        self,
        request_id: str,
        method: str,
        route: str,
        status: int,
        seconds: float,
        principal: str | None,
    ) -> None:
        """Queues the line; never waits. The writer builds the record (a LogRecord looks up
        its thread and process, a tenth of the request path's own work), stamped with now."""
        if not log.isEnabledFor(logging.INFO):
            return
        line = _Line(time.time(), request_id, method, route, status, seconds, principal)
        self._start()
        pending = len(self._queue)
        if pending >= self._max:
            self._dropped += 1
            return
        self._queue.append(line)
        if not pending:
            self._wake.set()

    def close(self, timeout_seconds: float = 5.0) -> None:
        """Writes every queued line, then stops the writer (a later line starts it again)."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is None:
            return
        self._stopping = True
        self._wake.set()
        writer.join(timeout_seconds)
        self._stopping = False

    def _start(self) -> None:
        if self._writer is not None:
            return
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write, name="kyros-access-log", daemon=True
                )
                self._writer.start()

    def _write(self) -> None:
        while True:
            self._wake.wait(_IDLE_SECONDS)
            self._wake.clear()
            stopping = self._stopping
            if not stopping:
                time.sleep(BATCH_SECONDS)
            while self._queue:
                log.handle(_record(self._queue.popleft()))
                if self._dropped:
                    dropped, self._dropped = self._dropped, 0
                    log.warning("access log behind: %d lines dropped", dropped)
            if stopping:
                return
