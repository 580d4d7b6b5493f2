"""The access log records the status the client got, also for a failure raised by a middleware
before the app's own exception handling (the store unable to authenticate the caller: 503)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import msgspec
import psycopg
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.e2e.access_lines import Lines, captured

pytestmark = pytest.mark.parametrize("store", ["postgres"], indirect=True)  # a lock that bounds


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The store's bound on a wait is short, so a locked log fails a request quickly."""
    return msgspec.structs.replace(settings, database_timeout_seconds=1.0)


@pytest.fixture
def access_lines() -> Iterator[Lines]:
    with captured() as lines:
        yield lines


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
