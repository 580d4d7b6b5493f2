"""HS256 access and refresh tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from kyros.identity.tokens import InvalidToken, TokenService

SECRET = b"test-only-secret-" * 4  # 68 bytes: long enough even for the HS512 forgery test
ISSUER = "https://kyros.test"
AUDIENCE = "kyros-api"
NOW = datetime(2025, 1, 15, 10, 30, tzinfo=UTC)
ACCESS_TTL = timedelta(hours=1)
REFRESH_TTL = timedelta(days=14)


def _service(
    secret: bytes = SECRET, issuer: str = ISSUER, audience: str = AUDIENCE
) -> TokenService:
    return TokenService(secret, issuer, audience, ACCESS_TTL, REFRESH_TTL)


@pytest.fixture
def service() -> TokenService:
    return _service()


@pytest.fixture
def access(service: TokenService) -> str:
    return service.issue_access("user_123", ["developer", "admin"], NOW)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict[str, Any], claims: dict[str, Any], key: bytes | None = SECRET) -> str:
    """Hand-build a compact JWT so tests can send what pyjwt itself would refuse to make."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = (
        b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    )
    return f"{signing_input}.{_b64(signature)}"


def _valid_claims(**changes: Any) -> dict[str, Any]:
    issued = int(NOW.timestamp())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user_123",
        "iat": issued,
        "nbf": issued,
        "exp": issued + 3600,
        "jti": "tok_1",
        "typ": "access",
        "roles": ["admin"],
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _reason(service: TokenService, token: str, expected: str = "access") -> str:
    with pytest.raises(InvalidToken) as caught:
        service.decode(token, expected, NOW)  # type: ignore[arg-type]
    if len(token) >= 8:
        assert token[-20:] not in str(caught.value)
    return caught.value.reason


def test_an_access_token_round_trips_subject_roles_and_lifetime(
    service: TokenService, access: str
) -> None:
    claims = service.decode(access, "access", NOW)
    assert claims.token_type == "access"
    assert claims.subject == "user_123"
    assert claims.roles == {"developer", "admin"}
    assert claims.issued_at == NOW
    assert claims.expires_at == NOW + ACCESS_TTL
    assert claims.family_id is None


def test_an_access_token_is_signed_with_hs256_and_carries_every_registered_claim(
    access: str,
) -> None:
    assert jwt.get_unverified_header(access)["alg"] == "HS256"
    payload = jwt.decode(access, options={"verify_signature": False})
    assert set(payload) == {"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "typ", "roles"}


def test_a_refresh_token_round_trips_its_family_and_id_but_no_roles(
    service: TokenService,
) -> None:
    token = service.issue_refresh("user_123", "fam_1", "tok_9", NOW)
    claims = service.decode(token, "refresh", NOW)
    assert (claims.family_id, claims.token_id, claims.roles) == ("fam_1", "tok_9", frozenset())
    assert claims.expires_at == NOW + REFRESH_TTL


def test_access_token_ids_are_unique_unless_given(service: TokenService) -> None:
    first, second = (service.issue_access("u", [], NOW) for _ in range(2))
    assert service.decode(first, "access", NOW).token_id != (
        service.decode(second, "access", NOW).token_id
    )
    given = service.issue_access("u", [], NOW, token_id="tok_fixed")
    assert service.decode(given, "access", NOW).token_id == "tok_fixed"


def test_a_token_is_valid_until_the_second_before_it_expires(
    service: TokenService, access: str
) -> None:
    service.decode(access, "access", NOW + ACCESS_TTL - timedelta(seconds=1))
    with pytest.raises(InvalidToken) as caught:
        service.decode(access, "access", NOW + ACCESS_TTL)
    assert caught.value.reason == "expired"


def test_a_token_is_not_valid_before_it_was_issued(service: TokenService, access: str) -> None:
    with pytest.raises(InvalidToken) as caught:
        service.decode(access, "access", NOW - timedelta(seconds=1))
    assert caught.value.reason == "not_yet_valid"


def test_a_token_with_a_future_not_before_is_refused(service: TokenService) -> None:
    token = _forge({"alg": "HS256"}, _valid_claims(nbf=int(NOW.timestamp()) + 60))
    assert _reason(service, token) == "not_yet_valid"


def test_a_token_from_another_issuer_is_refused(access: str) -> None:
    assert _reason(_service(issuer="https://evil.test"), access) == "wrong_issuer"


def test_a_token_for_another_audience_is_refused(access: str) -> None:
    assert _reason(_service(audience="other-api"), access) == "wrong_audience"


def test_an_audience_list_that_merely_contains_ours_is_refused(service: TokenService) -> None:
    token = _forge({"alg": "HS256"}, _valid_claims(aud=[AUDIENCE, "other-api"]))
    assert _reason(service, token) == "wrong_audience"


def test_a_refresh_token_is_not_accepted_as_an_access_token(service: TokenService) -> None:
    refresh = service.issue_refresh("user_123", "fam_1", "tok_1", NOW)
    assert _reason(service, refresh, "access") == "wrong_type"


def test_an_access_token_is_not_accepted_as_a_refresh_token(
    service: TokenService, access: str
) -> None:
    assert _reason(service, access, "refresh") == "wrong_type"


def test_a_token_signed_with_another_secret_is_refused(access: str) -> None:
    assert _reason(_service(secret=b"another-secret-of-at-least-32-bytes!"), access) == (
        "bad_signature"
    )


def test_a_tampered_signature_is_refused(service: TokenService, access: str) -> None:
    head, payload, signature = access.split(".")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert _reason(service, f"{head}.{payload}.{flipped}") == "bad_signature"


def test_a_tampered_payload_is_refused(service: TokenService, access: str) -> None:
    head, _, signature = access.split(".")
    payload = _b64(json.dumps(_valid_claims(roles=["admin"], sub="someone_else")).encode())
    assert _reason(service, f"{head}.{payload}.{signature}") == "bad_signature"


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_alg_none_token_is_refused(service: TokenService, alg: str) -> None:
    assert _reason(service, _forge({"alg": alg}, _valid_claims(), key=None)) == (
        "algorithm_not_allowed"
    )


@pytest.mark.parametrize("alg", ["RS256", "ES256", "PS256", "HS384", "HS512", "EdDSA"])
def test_a_header_naming_another_algorithm_is_refused_even_when_hmac_signed_with_our_secret(
    service: TokenService, alg: str
) -> None:
    assert _reason(service, _forge({"alg": alg}, _valid_claims())) == "algorithm_not_allowed"


def test_a_genuine_hs512_token_made_with_our_secret_is_refused(service: TokenService) -> None:
    token = jwt.encode(_valid_claims(), SECRET, algorithm="HS512")
    assert _reason(service, token) == "algorithm_not_allowed"


@pytest.mark.parametrize("cut", [1, 5, 20, 43, 60, 100])
def test_a_truncated_token_is_refused(service: TokenService, access: str, cut: int) -> None:
    _reason(service, access[:-cut])


def test_a_token_without_its_signature_segment_is_refused(
    service: TokenService, access: str
) -> None:
    assert _reason(service, access.rsplit(".", 1)[0]) == "malformed"
    assert _reason(service, access.rsplit(".", 1)[0] + ".") == "bad_signature"


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "eyJ.eyJ.sig", "ü.ü.ü", "...."])
def test_garbage_is_refused_as_malformed(service: TokenService, token: str) -> None:
    assert _reason(service, token) == "malformed"


def test_a_token_over_eight_kibibytes_is_refused_before_it_is_parsed(
    service: TokenService,
) -> None:
    huge = service.issue_access("user_123", [f"role_{i:05d}" for i in range(1000)], NOW)
    assert len(huge) > 8 * 1024
    assert _reason(service, huge) == "too_large"
    assert _reason(service, "a" * (8 * 1024 + 1)) == "too_large"


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "typ"])
def test_a_signed_token_missing_a_registered_claim_is_refused(
    service: TokenService, claim: str
) -> None:
    assert _reason(service, _forge({"alg": "HS256"}, _valid_claims(**{claim: None}))) == (
        "missing_claim"
    )


def test_an_access_token_without_roles_is_refused(service: TokenService) -> None:
    assert _reason(service, _forge({"alg": "HS256"}, _valid_claims(roles=None))) == (
        "missing_claim"
    )


@pytest.mark.parametrize(
    "changes",
    [{"exp": "tomorrow"}, {"exp": True}, {"roles": "admin"}, {"roles": [1]}, {"sub": ""}],
)
def test_a_signed_token_with_ill_typed_claims_is_refused(
    service: TokenService, changes: dict[str, Any]
) -> None:
    assert _reason(service, _forge({"alg": "HS256"}, _valid_claims(**changes))) == "malformed"


@pytest.mark.parametrize("claim", ["iat", "nbf", "exp"])
@pytest.mark.parametrize(
    "moment",
    [10**400, -(10**400), 10**20, -1, float("inf"), float("nan"), "1736937000"],
    ids=["10**400", "-10**400", "10**20", "-1", "inf", "nan", "string"],
)
def test_a_signed_token_with_an_absurd_time_claim_is_refused(
    service: TokenService, claim: str, moment: Any
) -> None:
    token = _forge({"alg": "HS256"}, _valid_claims(**{claim: moment}))
    assert _reason(service, token) in ("malformed", "not_yet_valid", "expired")


def test_a_secret_shorter_than_256_bits_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes") as caught:
        _service(secret=b"short-secret")
    assert "short-secret" not in str(caught.value)


def test_the_service_repr_does_not_reveal_the_secret(service: TokenService) -> None:
    assert SECRET.decode() not in repr(service)


def test_a_naive_now_is_rejected_because_it_would_be_read_as_local_time(
    service: TokenService, access: str
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        service.decode(access, "access", NOW.replace(tzinfo=None))


def test_roles_given_as_a_single_string_are_rejected(service: TokenService) -> None:
    with pytest.raises(TypeError):
        service.issue_access("user_123", "admin", NOW)


def test_an_access_token_can_name_its_session_and_round_trips_it(service: TokenService) -> None:
    token = service.issue_access("user_123", ["viewer"], NOW, session_id="fam_7")
    assert jwt.decode(token, options={"verify_signature": False})["sid"] == "fam_7"
    assert service.decode(token, "access", NOW).session_id == "fam_7"


def test_a_lifetime_given_at_issue_overrides_the_default(service: TokenService) -> None:
    token = service.issue_access("user_123", [], NOW, ttl=timedelta(hours=2))
    assert service.decode(token, "access", NOW).expires_at == NOW + timedelta(hours=2)
    with pytest.raises(ValueError, match="positive"):
        service.issue_access("user_123", [], NOW, ttl=timedelta(0))


def test_a_signed_token_with_an_ill_typed_session_is_refused(service: TokenService) -> None:
    assert _reason(service, _forge({"alg": "HS256"}, _valid_claims(sid=42))) == "malformed"
