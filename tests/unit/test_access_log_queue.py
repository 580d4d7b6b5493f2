"""The access log's queue: a request never waits on the log sink, and close writes every line."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from kyros.http.access_log import AccessLog, log


class _Gate(logging.Handler):
    """A sink that holds the writer until the test opens it."""

    def __init__(self) -> None:
        super().__init__()
        self.open = threading.Event()
        self.lines: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.open.wait(10)
        self.lines.append(record)


@pytest.fixture
def gate() -> Iterator[_Gate]:
    handler = _Gate()
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.INFO)  # not `log.level =`: that leaves isEnabledFor's cache stale
    try:
        yield handler
    finally:
        handler.open.set()
        log.removeHandler(handler)
        log.setLevel(level)


def _line(access: AccessLog, n: int) -> None:
    access.record(f"req-{n}", "GET", "/v1/tasks/{task_id}", 200, 0.001, None)


def test_a_stuck_sink_never_holds_a_request_and_the_queue_stays_bounded(gate: _Gate) -> None:
    access = AccessLog(max_lines=5)
    for n in range(50):  # the writer is stuck on the first line; these return at once
        _line(access, n)
    gate.open.set()
    access.close()
    written = [r.request_id for r in gate.lines if r.msg.startswith("%s %s")]  # type: ignore[attr-defined]
    assert 2 <= len(written) <= 6  # the one being written, then at most five queued
    assert written[0] == "req-0"
    dropped = [r for r in gate.lines if r.levelno == logging.WARNING]
    assert dropped and "lines dropped" in dropped[0].getMessage()


def test_close_writes_every_queued_line_with_its_request_id(gate: _Gate) -> None:
    gate.open.set()
    access = AccessLog()
    for n in range(100):
        _line(access, n)
    access.close()
    assert [r.request_id for r in gate.lines] == [f"req-{n}" for n in range(100)]  # type: ignore[attr-defined]
    assert gate.lines[0].getMessage().startswith("GET /v1/tasks/{task_id} 200 ")
