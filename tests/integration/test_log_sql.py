"""`logged_past` reads the recorder's own table, for the topics authentication watches."""

from __future__ import annotations

import pytest
from eventsourcing.utils import get_topic
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import IssueApiKey, RevokeApiKey, issue_api_key, revoke_api_key
from kyros.commands.sessions import LogIn, LogOut, log_in, log_out
from kyros.commands.users import (
    ChangeRole,
    UserAction,
    disable_user,
    enable_user,
    grant_role,
    revoke_role,
)
from kyros.domain.api_key import ApiKey
from kyros.domain.user import User
from kyros.eventstore.log_sql import EVENTS_TABLE, logged_past
from kyros.identity import authority
from tests.builders.commands import PASSWORD, make_user

pytestmark = pytest.mark.both_stores  # per-dialect log SQL

KEY_CREATED = (get_topic(ApiKey.Created),)


def newer(kyros: Kyros, topics: tuple[str, ...], read_model: str = "api_keys") -> bool:
    sql, params = logged_past(kyros.db.dialect, (read_model,), topics)
    with kyros.db.transaction(write=False) as tx:
        row = tx.execute(f"SELECT {sql} AS newer", params).fetchone()
    return bool(row and row["newer"])


def test_the_events_table_is_the_recorders(kyros: Kyros) -> None:
    recorder = kyros.app.recorder
    assert recorder.events_table_name == EVENTS_TABLE[kyros.db.dialect]  # type: ignore[attr-defined]


def test_an_event_of_the_topics_past_the_read_models_position_counts(kyros: Kyros) -> None:
    kyros.engine.catch_up("api_keys", 500)
    assert not newer(kyros, KEY_CREATED)

    issue_api_key(kyros.app, IssueApiKey(name="k", role="viewer", actor="test"))

    assert newer(kyros, KEY_CREATED)
    assert not newer(kyros, (get_topic(User.Created),))  # another kind of event
    kyros.engine.catch_up("api_keys", 500)
    assert not newer(kyros, KEY_CREATED)


def test_a_read_model_without_a_position_has_applied_nothing(kyros: Kyros) -> None:
    issue_api_key(kyros.app, IssueApiKey(name="k", role="viewer", actor="test"))
    assert newer(kyros, KEY_CREATED, read_model="no_such_read_model")


def test_the_topics_authentication_watches_are_the_ones_the_log_records(kyros: Kyros) -> None:
    """A misspelt topic would let a read model be trusted while a change to it is pending."""
    user_id = make_user(kyros, "watch", ["viewer"])
    session = log_in(
        kyros.app,
        LogIn(
            username="watch",
            password=PASSWORD,
            max_attempts=5,
            family_id=ULID().to_uuid(),
            token_id="t1",
        ),
    )
    for change in (grant_role, revoke_role):
        change(kyros.app, ChangeRole(user_id=user_id, role="auditor", actor="test"))
    for action in (disable_user, enable_user):
        action(kyros.app, UserAction(user_id=user_id, actor="test"))
    log_out(kyros.app, LogOut(family_id=session.family_id, actor="test"))
    issued = issue_api_key(kyros.app, IssueApiKey(name="k", role="viewer", actor="test"))
    revoke_api_key(kyros.app, RevokeApiKey(key_id=issued.id, actor="test"))

    logged = {n.topic for n in kyros.app.recorder.select_notifications(start=0, limit=1000)}

    assert set(authority._KEY_TOPICS) | set(authority._SESSION_TOPICS) <= logged
