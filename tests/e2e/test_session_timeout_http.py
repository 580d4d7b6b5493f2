"""security.session_timeout_minutes over a real socket: an idle login session expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import make_user
from tests.e2e.analytics_history import EventClock, event_clock
from tests.e2e.auth_helpers import bearer, tokens
from tests.e2e.helpers import assert_error

pytestmark = pytest.mark.both_stores  # session activity is read with per-dialect log SQL

__all__ = ["event_clock"]  # a fixture, imported for these tests


def set_timeout(client: httpx.Client, minutes: int) -> None:
    body = {"security": {"session_timeout_minutes": minutes}}
    response = client.put("/v1/configuration", json=body)
    assert response.status_code == 200, response.text


def login_at(anonymous: httpx.Client, clock: EventClock, ago: timedelta) -> dict[str, Any]:
    """A login whose session started `ago` (the events are stamped then; the tokens are
    issued now, so only idleness can refuse them)."""
    clock.at = datetime.now(UTC) - ago
    try:
        return tokens(anonymous, "dana")
    finally:
        clock.at = datetime.now(UTC)


def me(anonymous: httpx.Client, session: dict[str, Any]) -> httpx.Response:
    return anonymous.get("/v1/auth/me", headers=bearer(session["access_token"]))


def refresh(anonymous: httpx.Client, session: dict[str, Any]) -> httpx.Response:
    return anonymous.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})


def assert_expired(response: httpx.Response) -> None:
    body = assert_error(response, 401, "UNAUTHORIZED")
    assert "expired after" in body["error"]["details"]["issue"]
    assert "without use" in body["error"]["details"]["issue"]


def test_a_session_unused_past_the_timeout_refuses_its_access_and_refresh_tokens(
    kyros: Kyros, client: httpx.Client, anonymous: httpx.Client, event_clock: EventClock
) -> None:
    make_user(kyros, "dana", ["developer"])
    session = login_at(anonymous, event_clock, timedelta(minutes=45))  # the default is 30
    assert_expired(me(anonymous, session))
    assert_expired(refresh(anonymous, session))
    assert client.get("/v1/auth/me").status_code == 200  # an API key is not a session
    assert me(anonymous, tokens(anonymous, "dana")).status_code == 200  # a new login works


def test_a_used_session_lives_on_while_an_idle_one_expires_when_the_timeout_shrinks(
    kyros: Kyros, client: httpx.Client, anonymous: httpx.Client, event_clock: EventClock
) -> None:
    make_user(kyros, "dana", ["developer"])
    used = login_at(anonymous, event_clock, timedelta(minutes=20))
    idle = login_at(anonymous, event_clock, timedelta(minutes=20))
    assert me(anonymous, used).status_code == 200  # a use, now
    set_timeout(client, 10)
    assert me(anonymous, used).status_code == 200  # used a moment ago
    assert refresh(anonymous, used).status_code == 200
    assert_expired(me(anonymous, idle))  # unused for 20 minutes


def test_an_expired_session_is_revoked_and_stays_ended_when_the_timeout_grows(
    kyros: Kyros, client: httpx.Client, anonymous: httpx.Client, event_clock: EventClock
) -> None:
    make_user(kyros, "dana", ["developer"])
    session = login_at(anonymous, event_clock, timedelta(minutes=20))
    set_timeout(client, 10)
    assert_expired(me(anonymous, session))
    set_timeout(client, 60)
    assert_error(me(anonymous, session), 401, "UNAUTHORIZED")
    assert_error(refresh(anonymous, session), 401, "UNAUTHORIZED")
    assert me(anonymous, tokens(anonymous, "dana")).status_code == 200
