"""The identity aggregates, with no I/O: users, token families and API keys."""

from __future__ import annotations

from typing import Any

import pytest
from ulid import ULID

from kyros.domain.api_key import ApiKey, check_new_key
from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.identity_errors import AccountDisabled, AccountLocked, Unauthorized
from kyros.domain.token_family import TokenFamily
from kyros.domain.user import (
    Username,
    check_new_password,
    check_role,
    check_username,
    normalise_username,
    username_id,
)
from kyros.ids import public_id
from tests.builders.aggregates import new_user


def kinds(aggregate: Any) -> list[str]:
    return [type(e).__qualname__ for e in aggregate.collect_events()]


def test_a_new_user_records_who_created_it_and_is_active_with_sorted_unique_roles() -> None:
    user = new_user(roles=["viewer", "developer", "viewer"])
    (created,) = user.collect_events()
    assert type(created).__qualname__ == "User.Created"
    assert created.actor == "user_admin"  # type: ignore[attr-defined]
    assert user.roles == ["developer", "viewer"]
    assert (user.disabled, user.locked, user.failed_logins) == (False, False, 0)
    assert user.public_id == public_id("user", user.id)


def test_granting_and_revoking_roles_are_recorded_with_the_actor() -> None:
    user = new_user()
    user.collect_events()
    user.grant("approver", actor="user_admin")
    user.revoke("developer", actor="user_admin")
    events = user.collect_events()
    assert [type(e).__qualname__ for e in events] == ["User.RoleGranted", "User.RoleRevoked"]
    assert [(e.role, e.actor) for e in events] == [  # type: ignore[attr-defined]
        ("approver", "user_admin"),
        ("developer", "user_admin"),
    ]
    assert user.roles == ["approver"]


def test_granting_a_held_role_or_revoking_a_missing_one_records_nothing() -> None:
    user = new_user()
    user.collect_events()
    user.grant("developer", actor="user_admin")
    user.revoke("auditor", actor="user_admin")
    assert kinds(user) == []


def test_an_unknown_role_is_refused_naming_the_field() -> None:
    user = new_user()
    with pytest.raises(DomainError) as refused:
        user.grant("superuser", actor="user_admin")
    assert refused.value.field == "role"
    assert "admin, approver, developer, viewer, auditor, agent" in refused.value.issue


def test_an_admin_cannot_disable_themselves_or_drop_their_own_admin_role() -> None:
    user = new_user(roles=["admin"])
    with pytest.raises(InvalidState):
        user.disable(actor=user.public_id)
    with pytest.raises(InvalidState):
        user.revoke("admin", actor=user.public_id)
    user.revoke("admin", actor="user_other_admin")
    assert user.roles == []


def test_disabling_then_enabling_is_recorded_and_disabled_users_cannot_sign_in() -> None:
    user = new_user()
    user.collect_events()
    user.disable(actor="user_admin")
    with pytest.raises(AccountDisabled):
        user.check_can_sign_in()
    user.enable(actor="user_admin")
    user.check_can_sign_in()
    assert kinds(user) == ["User.Disabled", "User.Enabled"]


def test_the_failure_that_reaches_the_limit_locks_the_account() -> None:
    user = new_user()
    user.collect_events()
    for _ in range(2):
        user.record_failed_login(max_attempts=3)
    assert not user.locked
    user.record_failed_login(max_attempts=3)
    assert user.locked
    assert kinds(user) == ["User.LoginFailed"] * 3 + ["User.Locked"]
    with pytest.raises(AccountLocked):
        user.check_can_sign_in()


def test_a_successful_login_resets_the_run_of_failures() -> None:
    user = new_user()
    user.record_failed_login(max_attempts=3)
    user.record_failed_login(max_attempts=3)
    user.record_login(family_id="fam_1")
    user.record_failed_login(max_attempts=3)
    assert (user.failed_logins, user.locked) == (1, False)


def test_unlocking_lifts_the_lock_and_forgets_the_failures() -> None:
    user = new_user()
    for _ in range(3):
        user.record_failed_login(max_attempts=3)
    user.collect_events()
    user.unlock(actor="user_admin")
    assert (user.locked, user.failed_logins) == (False, 0)
    user.unlock(actor="user_admin")
    assert kinds(user) == ["User.Unlocked"]


def test_a_password_change_keeps_only_the_new_hash() -> None:
    user = new_user()
    user.collect_events()
    user.change_password(password_hash="$argon2id$new", actor="user_admin")
    (changed,) = user.collect_events()
    assert changed.password_hash == "$argon2id$new"  # type: ignore[attr-defined]
    assert user.password_hash == "$argon2id$new"


@pytest.mark.parametrize(
    ("raw", "ok"),
    [("alice", True), ("a.b-c_d+e@x", True), ("", False), ("-lead", False), ("has space", False)],
)
def test_usernames_are_checked_after_normalising_case_and_spaces(raw: str, ok: bool) -> None:
    name = normalise_username(raw)
    if ok:
        check_username(name)
    else:
        with pytest.raises(DomainError):
            check_username(name)


def test_usernames_differing_only_in_case_claim_the_same_id() -> None:
    assert username_id(normalise_username(" Alice ")) == username_id("alice")
    claim = Username(username="alice", user_id="user_1")
    assert claim.id == username_id("alice")


@pytest.mark.parametrize("password", ["short", "x" * 1025])
def test_passwords_shorter_than_8_or_longer_than_1024_are_refused(password: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_new_password(password)
    assert refused.value.field == "password"


def test_check_role_accepts_exactly_the_six_roles() -> None:
    for role in ("admin", "approver", "developer", "viewer", "auditor", "agent"):
        check_role(role)
    with pytest.raises(DomainError):
        check_role("implementer")  # an agent role, not a user role


# --- token families ----------------------------------------------------------------------


def new_family() -> TokenFamily:
    return TokenFamily(family_id=ULID().to_uuid(), user_id="user_1", token_id="t1")


def test_rotating_the_current_token_moves_the_family_to_the_next_one() -> None:
    family = new_family()
    assert family.rotate(presented="t1", next_token_id="t2")
    assert family.token_id == "t2"
    assert kinds(family) == ["TokenFamily.Started", "TokenFamily.Rotated"]


def test_presenting_a_rotated_token_revokes_the_family_and_then_nothing_rotates() -> None:
    family = new_family()
    family.rotate(presented="t1", next_token_id="t2")
    assert family.rotate(presented="t1", next_token_id="t3") is False
    assert family.revoked
    events = family.collect_events()
    assert events[-1].reason == "reuse"  # type: ignore[attr-defined]
    with pytest.raises(Unauthorized):
        family.rotate(presented="t2", next_token_id="t4")


def test_revoking_a_family_twice_records_one_revocation() -> None:
    family = new_family()
    family.revoke(reason="logout", actor="user_1")
    family.revoke(reason="logout", actor="user_1")
    assert kinds(family) == ["TokenFamily.Started", "TokenFamily.Revoked"]


# --- API keys ----------------------------------------------------------------------------


def test_an_api_key_holds_a_digest_and_a_role_and_revokes_once() -> None:
    key = ApiKey(
        key_id=ULID().to_uuid(),
        name="ci",
        prefix="0123abcd",
        key_hash="f" * 64,
        role="developer",
        actor="user_admin",
    )
    key.revoke(actor="user_admin")
    key.revoke(actor="user_admin")
    assert key.revoked
    assert kinds(key) == ["ApiKey.Created", "ApiKey.Revoked"]


@pytest.mark.parametrize(("name", "role"), [("", "viewer"), ("x" * 101, "viewer"), ("ci", "root")])
def test_a_key_without_a_name_or_with_an_unknown_role_is_refused(name: str, role: str) -> None:
    with pytest.raises(DomainError):
        check_new_key(name, role)
