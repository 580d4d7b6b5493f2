"""Session activity on both stores: written at most once per resolution, never expired early."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.sessions import LogIn, log_in
from kyros.readstore.session_activity import SessionActivity
from tests.builders.commands import PASSWORD, make_user

pytestmark = pytest.mark.both_stores  # per-dialect log SQL

TIMEOUT = timedelta(minutes=30)  # resolution: one minute


def started_session(kyros: Kyros) -> tuple[str, datetime]:
    make_user(kyros, "dana", ["developer"])
    command = LogIn(
        username="dana",
        password=PASSWORD,
        max_attempts=5,
        family_id=ULID().to_uuid(),
        token_id=secrets.token_urlsafe(16),
    )
    family_id = log_in(kyros.app, command).family_id
    kyros.engine.catch_up("token_families", 500)
    with kyros.db.transaction(write=False) as tx:
        row = tx.execute(
            "SELECT started_at FROM rm_token_families WHERE id = ?", (family_id,)
        ).fetchone()
    assert row is not None
    return family_id, datetime.fromisoformat(row["started_at"])


def last_seen(kyros: Kyros, family_id: str) -> str | None:
    with kyros.db.transaction(write=False) as tx:
        row = tx.execute(
            "SELECT last_seen_at FROM session_activity WHERE family_id = ?", (family_id,)
        ).fetchone()
    return row["last_seen_at"] if row else None


def test_a_use_is_written_once_per_minute_at_most(kyros: Kyros) -> None:
    family_id, start = started_session(kyros)
    activity = SessionActivity(kyros.db)
    assert activity.use(family_id, start + timedelta(seconds=30), TIMEOUT)
    assert last_seen(kyros, family_id) is None  # within a minute of the login
    assert activity.use(family_id, start + timedelta(minutes=2), TIMEOUT)
    written = last_seen(kyros, family_id)
    assert written is not None
    assert activity.use(family_id, start + timedelta(minutes=2, seconds=50), TIMEOUT)
    assert last_seen(kyros, family_id) == written
    assert activity.use(family_id, start + timedelta(minutes=3, seconds=1), TIMEOUT)
    assert last_seen(kyros, family_id) != written


def test_a_session_expires_after_the_timeout_and_never_before(kyros: Kyros) -> None:
    family_id, start = started_session(kyros)
    activity = SessionActivity(kyros.db)
    assert activity.use(family_id, start + TIMEOUT, TIMEOUT)  # idle exactly the timeout
    used = start + TIMEOUT
    assert activity.use(family_id, used + TIMEOUT + timedelta(seconds=59), TIMEOUT)
    later = used + TIMEOUT + timedelta(seconds=59)
    assert not activity.use(family_id, later + TIMEOUT + timedelta(minutes=1), TIMEOUT)
