"""The access log's records, captured from the `kyros.access` logger for a test to read."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def of(self, request_id: str) -> logging.LogRecord:
        """The access line of `request_id`, once its writer thread has written it."""
        deadline = time.monotonic() + 10
        while True:
            found = [r for r in self.records if getattr(r, "request_id", None) == request_id]
            if found:
                return found[0]
            assert time.monotonic() < deadline, f"no access line for {request_id}"
            time.sleep(0.02)


@contextmanager
def captured() -> Iterator[Lines]:
    """Records every access line written meanwhile (a test's `access_lines` fixture)."""
    logger, lines = logging.getLogger("kyros.access"), Lines()
    level = logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)
