"""External identities with no I/O: the claim, the linking rules and derived usernames."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from kyros.domain.external_identity import (
    ExternalAccount,
    email_owner,
    external_account_id,
    username_candidates,
)
from kyros.domain.identity_errors import AccountDisabled, AmbiguousEmail, ProviderAlreadyLinked
from kyros.domain.user import USERNAME, User
from tests.builders.aggregates import new_user

USER_ID = UUID("01890a5d-ac96-774b-bcce-b302099a8057")


def link(user: User, provider: str = "google", subject: str = "111") -> None:
    user.link_external_identity(
        provider=provider, subject=subject, email="a@example.com", email_verified=True, actor="t"
    )


def candidates(email: str | None, name: str | None = None, provider: str = "acme") -> list[str]:
    return list(username_candidates(email, name, provider, USER_ID))


def test_a_claim_on_an_external_account_has_one_id_per_provider_and_subject() -> None:
    account = ExternalAccount(provider="google", subject="111", user_id="user_1")
    assert account.id == external_account_id("google", "111")
    assert external_account_id("google", "111") != external_account_id("github", "111")
    assert external_account_id("a", "b:c") != external_account_id("a:b", "c")


def test_linking_records_the_provider_subject_and_email_once() -> None:
    user = new_user()
    user.collect_events()
    link(user)
    link(user)
    (linked,) = user.collect_events()
    fields: Any = linked
    assert type(linked).__qualname__ == "User.ExternalIdentityLinked"
    assert (fields.provider, fields.subject, fields.email, fields.actor) == (
        "google",
        "111",
        "a@example.com",
        "t",
    )
    assert user.external_identities == [("google", "111")]


def test_a_second_account_of_the_same_provider_is_refused_but_another_provider_links() -> None:
    user = new_user()
    link(user)
    with pytest.raises(ProviderAlreadyLinked) as refused:
        link(user, subject="222")
    assert (refused.value.code, refused.value.status) == ("INVALID_STATE", 409)
    link(user, provider="github", subject="222")
    assert len(user.external_identities) == 2


def test_a_disabled_user_cannot_sign_in_through_a_provider_but_a_locked_one_can() -> None:
    user = new_user()
    for _ in range(3):
        user.record_failed_login(max_attempts=3)
    assert user.locked
    user.check_can_sign_in_externally()
    user.disable(actor="user_admin")
    with pytest.raises(AccountDisabled):
        user.check_can_sign_in_externally()


def test_only_a_verified_email_held_by_exactly_one_user_links() -> None:
    assert email_owner(True, ["user_1"]) == "user_1"
    assert email_owner(False, ["user_1"]) is None
    assert email_owner(True, []) is None
    with pytest.raises(AmbiguousEmail) as ambiguous:
        email_owner(True, ["user_1", "user_2"])
    assert ambiguous.value.field == "email"


def test_a_username_comes_from_the_email_then_the_name_then_the_provider() -> None:
    assert candidates("Alice.Smith@example.com")[0] == "alice.smith"
    assert candidates(None, "Zoë Ångström")[0] == "zoe-angstrom"
    assert candidates("@example.com", "!!!")[0] == "acme"
    assert candidates(None, None, provider="---")[0] == "user"


def test_numbered_usernames_then_one_unique_to_the_new_user_are_offered() -> None:
    names = candidates("bob@example.com")
    assert names[:3] == ["bob", "bob-2", "bob-3"]
    assert names[-1] == f"bob-{USER_ID.hex[-8:]}"
    assert len(set(names)) == len(names)


def test_every_derived_username_is_a_valid_one_even_from_hostile_input() -> None:
    for email, name in [
        ("x" * 300 + "@example.com", None),
        ("../../etc/passwd@example.com", None),
        (None, "\u202eadmin\u0000"),
        ("._-+@example.com", "名前"),
    ]:
        for username in candidates(email, name):
            assert USERNAME.match(username), username
            assert len(username) <= 100
