"""Provider logins against both stores: provisioning, linking, refusals and lost races."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands import oauth2_logins
from kyros.commands.oauth2_logins import LogInWithProvider
from kyros.commands.registry import run_command
from kyros.commands.sessions import LogIn, Session, log_in
from kyros.commands.users import UserAction, disable_user
from kyros.domain.identity_errors import (
    AccountDisabled,
    AmbiguousEmail,
    InvalidCredentials,
)
from kyros.identity.oauth2 import ExternalIdentity
from kyros.queries.identity import count_users, get_user, user_ids_with_email
from kyros.settings import Settings
from tests.builders.commands import PASSWORD, make_user

pytestmark = pytest.mark.both_stores  # store-level: identity reads and writes


def identity(subject: str = "sub-alice", **changes: Any) -> ExternalIdentity:
    fields: dict[str, Any] = {
        "provider": "acme",
        "subject": subject,
        "email": "alice@example.test",
        "email_verified": True,
        "name": "Alice Example",
    }
    return ExternalIdentity(**(fields | changes))


def caught_up(kyros: Kyros) -> Kyros:
    kyros.engine.catch_up("users", 500)
    return kyros


def sign_in(kyros: Kyros, who: ExternalIdentity, role: str = "developer") -> Session:
    """As the HTTP route does: the read model names the e-mail's owners, the command decides."""
    owners = []
    if who.email and who.email_verified:
        owners = user_ids_with_email(caught_up(kyros).db, who.email)
    command = LogInWithProvider(
        identity=who,
        email_owners=owners,
        default_role=role,
        user_id=ULID().to_uuid(),
        family_id=ULID().to_uuid(),
        token_id=f"tok_{ULID()}",
    )
    return run_command(kyros.app, kyros.catalog, command)  # type: ignore[no-any-return]


def user(kyros: Kyros, user_id: str) -> dict[str, Any]:
    found = get_user(caught_up(kyros).db, user_id)
    assert found is not None
    return found


def test_a_first_login_provisions_a_user_with_the_default_role_and_no_usable_password(
    kyros: Kyros,
) -> None:
    session = sign_in(kyros, identity(), role="developer")
    assert (session.roles, session.email) == (["developer"], "alice@example.test")
    made = user(kyros, session.user_id)
    assert (made["username"], made["name"], made["last_login"] is not None) == (
        "alice",
        "Alice Example",
        True,
    )
    for password in ("", PASSWORD, "alice"):
        attempt = LogIn(
            username="alice",
            password=password,
            max_attempts=10,
            family_id=ULID().to_uuid(),
            token_id="t",
        )
        with pytest.raises(InvalidCredentials):
            log_in(kyros.app, attempt)


def test_the_same_external_account_signs_in_as_the_same_user_every_time(kyros: Kyros) -> None:
    first = sign_in(kyros, identity())
    again = sign_in(kyros, identity(name="Alice Renamed", email="new@example.test"))
    assert again.user_id == first.user_id
    assert again.family_id != first.family_id
    assert count_users(caught_up(kyros).db) == 1


def test_a_verified_email_joins_the_user_who_has_it_and_keeps_their_roles(kyros: Kyros) -> None:
    existing = make_user(kyros, "alice", ["approver"], email="Alice@Example.TEST")
    session = sign_in(kyros, identity())
    assert (session.user_id, session.roles) == (existing, ["approver"])
    assert sign_in(kyros, identity()).user_id == existing


def test_an_unverified_email_never_joins_a_user_and_is_not_kept(kyros: Kyros) -> None:
    existing = make_user(kyros, "alice", ["approver"], email="alice@example.test")
    session = sign_in(kyros, identity(email_verified=False))
    assert session.user_id != existing
    made = user(kyros, session.user_id)
    assert (made["username"], made["email"]) == ("alice-2", None)
    later = sign_in(kyros, identity(subject="sub-other", provider="other"))
    assert later.user_id == existing  # the provisioned user's unverified address links nobody


def test_a_disabled_user_is_refused_whether_linked_or_found_by_email(kyros: Kyros) -> None:
    linked = sign_in(kyros, identity()).user_id
    disable_user(kyros.app, UserAction(user_id=linked, actor="user_admin"))
    with pytest.raises(AccountDisabled):
        sign_in(kyros, identity())
    by_email = make_user(kyros, "bob", ["approver"], email="bob@example.test")
    disable_user(kyros.app, UserAction(user_id=by_email, actor="user_admin"))
    with pytest.raises(AccountDisabled):
        sign_in(kyros, identity("sub-bob", email="bob@example.test"))
    assert oauth2_logins.find_linked_user(kyros.app, "acme", "sub-bob") is None  # not linked


def test_an_email_two_users_share_is_refused_rather_than_guessed(kyros: Kyros) -> None:
    make_user(kyros, "alice", ["approver"], email="alice@example.test")
    make_user(kyros, "alice2", ["approver"], email="alice@example.test")
    with pytest.raises(AmbiguousEmail):
        sign_in(kyros, identity())


def test_a_login_that_loses_the_race_signs_in_as_the_user_the_winner_made(
    kyros: Kyros, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = sign_in(kyros, identity())
    real, calls = oauth2_logins.find_linked_user, []

    def looked_before_the_winner_saved(*args: Any) -> Any:
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(oauth2_logins, "find_linked_user", looked_before_the_winner_saved)
    loser = sign_in(kyros, identity())
    assert len(calls) == 2  # its provisioning collided, saved nothing, and it decided again
    assert loser.user_id == winner.user_id
    assert count_users(caught_up(kyros).db) == 1


def test_simultaneous_first_logins_of_one_account_make_one_user(kyros: Kyros) -> None:
    start, sessions, errors = threading.Barrier(4), [], []

    def attempt() -> None:
        start.wait()
        try:
            sessions.append(sign_in(kyros, identity()))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len({s.user_id for s in sessions}) == 1
    assert count_users(caught_up(kyros).db) == 1


def test_an_unknown_default_role_stops_start_up_before_anything_is_opened(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, oauth2_default_role="root")
    with pytest.raises(ValueError, match="KYROS_OAUTH2_DEFAULT_ROLE must be one of"):
        Kyros(settings)
    assert not (tmp_path / "kyros.sqlite3").exists()
