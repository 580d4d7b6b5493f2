"""One access log line per HTTP request, written by a thread of its own.

The line names the route's template, never the raw path, so no id, query string or `?token=`
reaches the log; headers are never logged. The request only builds the record and queues it:
formatting and writing happen on the writer thread, so a slow log sink never holds a request.
The queue is bounded; when the writer falls that far behind, lines are dropped (and counted in
a warning) rather than blocking or growing without limit. `close` writes what is queued.
"""

from __future__ import annotations

import logging
import queue
import threading

log = logging.getLogger("kyros.access")

QUEUE_LINES = 10_000
_STOP = None


class AccessLog:
    def __init__(self, max_lines: int = QUEUE_LINES) -> None:
        # SimpleQueue: its put is one C call that never blocks (a Queue's is a Python
        # Condition, a third of the line's cost on the request path); the bound is kept here.
        self._queue: queue.SimpleQueue[logging.LogRecord | None] = queue.SimpleQueue()
        self._max = max_lines
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
        """Queues the line; never waits."""
        if not log.isEnabledFor(logging.INFO):
            return
        record = log.makeRecord(
            log.name,
            logging.INFO,
            __file__,
            0,
            "%s %s %d %.1fms principal=%s",
            (method, route, status, seconds * 1000, principal or "-"),
            None,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "principal": principal,
                "request_id": request_id,  # the writer thread has no request context
            },
        )
        self._start()
        if self._queue.qsize() >= self._max:
            self._dropped += 1
            return
        self._queue.put(record)

    def close(self, timeout_seconds: float = 5.0) -> None:
        """Writes every queued line, then stops the writer (a later line starts it again)."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is None:
            return
        self._queue.put(_STOP)
        writer.join(timeout_seconds)

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
        while (record := self._queue.get()) is not _STOP:
            log.handle(record)
            if self._dropped:
                dropped, self._dropped = self._dropped, 0
                log.warning("access log behind: %d lines dropped", dropped)
