"""Profile claims a store cannot hold never reach the log: a provider's NUL or unpaired
surrogate is cleaned from a display name, drops an e-mail and refuses a subject."""

from __future__ import annotations

import pytest

from kyros.identity.oauth2_claims import github_identity, identity_from_claims
from kyros.identity.oauth2_providers import OAuth2LoginRefused


def test_a_name_with_nul_or_a_lone_surrogate_is_cleaned() -> None:
    identity = identity_from_claims("corp", {"sub": "42", "name": "Ada\x00 Love\ud800lace"})
    assert identity.name == "Ada\ufffd Love\ufffdlace"


def test_an_email_no_store_can_hold_is_dropped_and_never_verified() -> None:
    claims = {"sub": "42", "email": "ada\x00@corp.io", "email_verified": True}
    identity = identity_from_claims("corp", claims)
    assert (identity.email, identity.email_verified) == (None, False)


@pytest.mark.parametrize("subject", ["4\x002", "4\udc002"])
def test_a_subject_no_store_can_hold_refuses_the_login(subject: str) -> None:
    with pytest.raises(OAuth2LoginRefused) as refused:
        identity_from_claims("corp", {"sub": subject})
    assert refused.value.reason == "subject_invalid"


def test_a_github_profile_is_cleaned_the_same_way() -> None:
    profile = {
        "id": 7,
        "login": "ada\x00",
        "name": None,
        "emails": [{"email": "a\x00@x.io", "verified": True, "primary": True}],
    }
    identity = github_identity("github", profile)
    assert (identity.name, identity.email, identity.email_verified) == ("ada\ufffd", None, False)
