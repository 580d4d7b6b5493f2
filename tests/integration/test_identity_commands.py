"""Identity commands against both stores: users, logins and lockout, sessions, API keys."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands import sessions
from kyros.commands.api_keys import CreateApiKey, RevokeApiKey, create_api_key, revoke_api_key
from kyros.commands.sessions import LogIn, LogOut, Refresh, Session, log_in, log_out, refresh
from kyros.commands.users import (
    ChangePassword,
    ChangeRole,
    UserAction,
    change_password,
    disable_user,
    grant_role,
    unlock_user,
)
from kyros.domain.identity_errors import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    Unauthorized,
    UsernameTaken,
)
from kyros.identity.api_keys import generate_api_key
from kyros.ids import public_id
from kyros.queries.identity import get_user, session_user
from kyros.settings import Settings
from tests.builders.commands import PASSWORD, make_user
from tests.integration.helpers import table

pytestmark = pytest.mark.both_stores  # store-level: commands against each event store


def login(kyros: Kyros, password: str = PASSWORD, username: str = "alice") -> Session:
    command = LogIn(
        username=username,
        password=password,
        max_attempts=3,
        family_id=ULID().to_uuid(),
        token_id=f"tok_{ULID()}",
    )
    return log_in(kyros.app, command)


def caught_up(kyros: Kyros) -> Kyros:
    for name in kyros.engine.projections:
        kyros.engine.catch_up(name, 500)
    return kyros


def test_a_created_user_keeps_an_argon2id_hash_and_the_read_model_keeps_no_hash(
    kyros: Kyros,
) -> None:
    user_id = make_user(kyros, username="Alice")
    created = next(
        n
        for n in kyros.app.recorder.select_notifications(start=1, limit=10)
        if b"argon2id" in n.state
    )
    assert PASSWORD.encode() not in created.state
    row = table(caught_up(kyros).db, "rm_users", "id")[0]
    assert row["id"] == user_id
    assert row["username"] == "alice"  # usernames are case-insensitive
    assert not any("argon2" in str(value) for value in row.values())


def test_a_username_is_taken_whatever_its_case(kyros: Kyros) -> None:
    make_user(kyros, username="alice")
    with pytest.raises(UsernameTaken):
        make_user(kyros, username="ALICE")


def test_racing_creations_of_one_username_make_exactly_one_user(kyros: Kyros) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        barrier.wait(timeout=10)
        try:
            make_user(kyros, username="racer")
            outcomes.append("created")
        except UsernameTaken:
            outcomes.append("taken")

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["created", "taken", "taken", "taken"]
    assert len(table(caught_up(kyros).db, "rm_users", "id")) == 1


def test_a_login_starts_a_session_and_records_the_last_login(kyros: Kyros) -> None:
    user_id = make_user(kyros)
    session = login(kyros)
    assert (session.user_id, session.roles, session.email) == (
        user_id,
        ["developer"],
        "alice@example.com",
    )
    caught_up(kyros)
    assert session_user(kyros.db, session.family_id, user_id) is not None
    assert get_user(kyros.db, user_id)["last_login"] is not None  # type: ignore[index]


def test_an_unknown_user_and_a_wrong_password_fail_alike_and_cost_one_argon2_check(
    kyros: Kyros, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(kyros)
    dummies: list[str] = []
    monkeypatch.setattr(sessions, "verify_dummy", lambda password: dummies.append(password))
    with pytest.raises(InvalidCredentials) as unknown:
        login(kyros, username="mallory")
    with pytest.raises(InvalidCredentials) as wrong:
        login(kyros, password="not the password")
    assert dummies == [PASSWORD]  # only the unknown user needed the stand-in verification
    assert (unknown.value.status, unknown.value.issue) == (wrong.value.status, wrong.value.issue)


def test_the_lockout_survives_a_restart_and_an_admin_unlock_lifts_it(
    kyros: Kyros, settings: Settings
) -> None:
    user_id = make_user(kyros)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            login(kyros, password="wrong password")
    with pytest.raises(AccountLocked):
        login(kyros, password="wrong password")
    with Kyros(settings) as restarted:
        with pytest.raises(AccountLocked):
            login(restarted, password=PASSWORD)  # even the right password
        unlock_user(restarted.app, UserAction(user_id=user_id, actor="user_admin"))
        assert login(restarted).user_id == user_id
        row = get_user(caught_up(restarted).db, user_id)
    assert row is not None
    assert (row["locked"], row["failed_login_attempts"]) == (False, 0)


def test_a_disabled_user_is_told_so_only_with_the_right_password(kyros: Kyros) -> None:
    user_id = make_user(kyros)
    disable_user(kyros.app, UserAction(user_id=user_id, actor="user_admin"))
    with pytest.raises(AccountDisabled):
        login(kyros)
    with pytest.raises(InvalidCredentials):
        login(kyros, password="wrong password")


def test_a_changed_password_replaces_the_old_one(kyros: Kyros) -> None:
    user_id = make_user(kyros)
    new = "a brand new passphrase"
    change_password(kyros.app, ChangePassword(user_id=user_id, password=new, actor="user_admin"))
    with pytest.raises(InvalidCredentials):
        login(kyros)
    assert login(kyros, password=new).user_id == user_id


def test_a_role_granted_after_login_is_in_the_read_model_at_once(kyros: Kyros) -> None:
    user_id = make_user(kyros)
    session = login(kyros)
    grant_role(kyros.app, ChangeRole(user_id=user_id, role="approver", actor="user_admin"))
    row = session_user(caught_up(kyros).db, session.family_id, user_id)
    assert row is not None
    assert "approver" in row["roles"]


def rotate(kyros: Kyros, session: Session, token_id: str) -> Session:
    command = Refresh(
        user_id=session.user_id,
        family_id=session.family_id,
        token_id=token_id,
        next_token_id=f"tok_{ULID()}",
    )
    return refresh(kyros.app, command)


def test_refresh_rotates_and_a_reused_token_revokes_the_whole_family(kyros: Kyros) -> None:
    make_user(kyros)
    first = login(kyros)
    second = rotate(kyros, first, first.token_id)
    third = rotate(kyros, second, second.token_id)
    with pytest.raises(Unauthorized, match="already used"):
        rotate(kyros, first, second.token_id)  # a stale token: someone else has used it
    with pytest.raises(Unauthorized):
        rotate(kyros, third, third.token_id)  # the newest token of the family dies too
    row = table(caught_up(kyros).db, "rm_token_families", "id")[0]
    assert (row["id"], row["revoked_reason"]) == (first.family_id, "reuse")
    assert session_user(kyros.db, first.family_id, first.user_id) is None


def test_a_refresh_token_names_its_user_and_cannot_move_to_another(kyros: Kyros) -> None:
    make_user(kyros)
    session = login(kyros)
    forged = Refresh(
        user_id="user_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        family_id=session.family_id,
        token_id=session.token_id,
        next_token_id="tok_x",
    )
    with pytest.raises(Unauthorized):
        refresh(kyros.app, forged)


def test_logging_out_ends_the_session_for_refreshes_and_in_the_read_model(kyros: Kyros) -> None:
    make_user(kyros)
    session = login(kyros)
    log_out(kyros.app, LogOut(family_id=session.family_id, actor=session.user_id))
    with pytest.raises(Unauthorized):
        rotate(kyros, session, session.token_id)
    assert session_user(caught_up(kyros).db, session.family_id, session.user_id) is None


def test_an_api_key_is_stored_as_prefix_and_digest_and_revocation_is_projected(
    kyros: Kyros,
) -> None:
    key, key_id = generate_api_key(), ULID().to_uuid()
    fields: dict[str, Any] = {"name": "ci", "role": "developer", "actor": "user_admin"}
    command = CreateApiKey(key_id=key_id, prefix=key.prefix, key_hash=key.hash, **fields)
    create_api_key(kyros.app, command)
    revoke_api_key(kyros.app, RevokeApiKey(key_id=public_id("key", key_id), actor="user_admin"))
    (row,) = table(caught_up(kyros).db, "rm_api_keys", "id")
    assert (row["prefix"], row["key_hash"], row["role"]) == (key.prefix, key.hash, "developer")
    assert row["revoked_by"] == "user_admin"
    assert key.plaintext not in str(row)


def test_the_identity_read_models_rebuild_to_the_same_rows(kyros: Kyros) -> None:
    user_id = make_user(kyros)
    login(kyros)
    disable_user(kyros.app, UserAction(user_id=user_id, actor="user_admin"))
    caught_up(kyros)
    names = ("rm_users", "rm_api_keys", "rm_token_families")
    before = {name: table(kyros.db, name, "id") for name in names}
    for projection in ("users", "api_keys", "token_families"):
        kyros.engine.reset(projection)
    after = {name: table(caught_up(kyros).db, name, "id") for name in names}
    assert after == before
    assert before["rm_users"][0]["disabled"] == 1
