"""The access log records the status the client got, also for a failure raised by a middleware
before the app's own exception handling (the store unable to authenticate the caller: 503)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import msgspec
import psycopg
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings

pytestmark = pytest.mark.parametrize("store", ["postgres"], indirect=True)  # a lock that bounds


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


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The store's bound on a wait is short, so a locked log fails a request quickly."""
    return msgspec.structs.replace(settings, database_timeout_seconds=1.0)


@pytest.fixture
def access_lines() -> Iterator[Lines]:
    logger, lines = logging.getLogger("kyros.access"), Lines()
    level = logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)


def test_a_503_raised_while_authenticating_is_logged_as_503_and_carries_its_request_id(
    kyros: Kyros, client: httpx.Client, access_lines: Lines
) -> None:
    assert client.get("/v1/tasks").status_code == 200  # the caller is known: it is looked up
    url = kyros.settings.database_url
    assert url is not None
    with psycopg.connect(url) as locker:  # the log cannot be read: who the caller is is unknown
        locker.execute("LOCK TABLE kyros_events IN ACCESS EXCLUSIVE MODE")
        refused = client.get("/v1/tasks", headers={"X-Request-ID": "locked-out"})
        locker.rollback()

    assert refused.status_code == 503, refused.text
    assert refused.headers["X-Request-ID"] == "locked-out"
    assert access_lines.of("locked-out").status == 503  # type: ignore[attr-defined]
