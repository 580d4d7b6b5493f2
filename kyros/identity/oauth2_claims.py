"""Pure checks of what a provider sent: ID token signature and claims, and profile mapping."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import jwt
import msgspec

from kyros.domain.text import is_storable, storable
from kyros.identity.oauth2_providers import (
    TENANT_ID_PLACEHOLDER,
    Endpoints,
    OAuth2LoginRefused,
    ProviderConfig,
)

ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
CLOCK_SKEW = timedelta(seconds=60)


class ExternalIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """Who the provider says logged in; link accounts by e-mail only when it is verified."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def verify_id_token(
    id_token: str,
    *,
    jwks: Mapping[str, Any],
    config: ProviderConfig,
    endpoints: Endpoints,
    nonce: str,
    now: datetime,
) -> dict[str, Any]:
    """Signature against the JWKS, then iss, aud (and azp), exp, iat and nonce."""
    try:
        header = jwt.get_unverified_header(id_token)
        algorithm = header.get("alg")
        if algorithm not in ID_TOKEN_ALGORITHMS:
            raise refused("ID token algorithm is not allowed", "id_token_algorithm")
        keys = [k for k in jwt.PyJWKSet.from_dict(dict(jwks)).keys if k.public_key_use != "enc"]
        kid = header.get("kid")
        matching = [k for k in keys if kid is None or k.key_id == kid]
        if not matching:
            raise refused("ID token is signed with an unknown key", "id_token_unknown_key")
        claims = _decode(id_token, matching, algorithm, config.client_id)
    except jwt.InvalidAudienceError:
        raise refused("ID token was issued to another client", "id_token_audience") from None
    except (jwt.PyJWTError, ValueError, TypeError):
        raise refused("ID token signature or format is invalid", "id_token_invalid") from None
    _check_claims(claims, config, endpoints, nonce, now)
    return claims


def _decode(id_token: str, keys: list[jwt.PyJWK], algorithm: str, audience: str) -> Any:
    """Times are checked against the caller's `now` in `_check_claims`, not the clock."""
    options: Any = {
        "require": ["iss", "sub", "aud", "exp", "iat"],
        "verify_exp": False,
        "verify_iat": False,
        "verify_nbf": False,
        "verify_iss": False,
    }
    for key in keys[:-1]:  # several candidates only when the token names no key id
        try:
            return jwt.decode(
                id_token, key.key, algorithms=[algorithm], options=options, audience=audience
            )
        except jwt.InvalidSignatureError:
            continue
    return jwt.decode(
        id_token, keys[-1].key, algorithms=[algorithm], options=options, audience=audience
    )


def _check_claims(
    claims: Mapping[str, Any],
    config: ProviderConfig,
    endpoints: Endpoints,
    nonce: str,
    now: datetime,
) -> None:
    tenant = claims.get("tid") if isinstance(claims.get("tid"), str) else None
    if not issuer_accepted(str(claims["iss"]), config, endpoints.issuer, tenant):
        raise refused("ID token comes from another issuer", "id_token_issuer")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != config.client_id:
        raise refused("ID token was issued to another client", "id_token_audience")
    at = now.timestamp()
    if at >= float(claims["exp"]) + CLOCK_SKEW.total_seconds():
        raise refused("ID token has expired", "id_token_expired")
    if float(claims["iat"]) > at + CLOCK_SKEW.total_seconds():
        raise refused("ID token is issued in the future", "id_token_not_yet_valid")
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise refused("ID token nonce does not match this login", "id_token_nonce")


def issuer_accepted(
    issuer: str, config: ProviderConfig, discovered: str | None, tenant_id: str | None
) -> bool:
    """The configured issuer, the discovered one, or an alias (`{tenantid}` → the `tid`)."""
    for expected in (config.issuer, discovered, *config.issuer_aliases):
        if expected is None:
            continue
        if tenant_id and TENANT_ID_PLACEHOLDER in expected:
            expected = expected.replace(TENANT_ID_PLACEHOLDER, tenant_id)
        if expected.rstrip("/") == issuer.rstrip("/"):
            return True
    return False


def identity_from_claims(provider: str, claims: Mapping[str, Any]) -> ExternalIdentity:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise refused(f"{provider} did not identify the user", "subject_missing")
    email = _email(claims.get("email"))
    return ExternalIdentity(
        provider=provider,
        subject=_subject(provider, subject),
        email=email,
        email_verified=claims.get("email_verified") is True and email is not None,
        name=_name(claims.get("name")),
    )


def github_identity(provider: str, profile: Mapping[str, Any]) -> ExternalIdentity:
    """GitHub's numeric id is stable (logins can be renamed); verified, primary e-mail first."""
    if not isinstance(profile.get("id"), int):
        raise refused(f"{provider} did not identify the user", "subject_missing")
    emails = [
        e for e in profile["emails"] if isinstance(e, dict) and _email(e.get("email")) is not None
    ]
    emails.sort(key=lambda e: (e.get("verified") is not True, e.get("primary") is not True))
    chosen = emails[0] if emails else {}
    return ExternalIdentity(
        provider=provider,
        subject=str(profile["id"]),
        email=chosen.get("email"),
        email_verified=chosen.get("verified") is True,
        name=_name(profile.get("name") or profile.get("login")),
    )


# What a provider sends is text like any other input: what no store can hold (NUL, unpaired
# surrogates from a JSON escape) is cleaned from a display name, makes an e-mail unusable
# (it could only ever be a wrong link) and refuses a subject (an identity must be exact).


def _subject(provider: str, subject: str) -> str:
    if not is_storable(subject):
        raise refused(f"{provider} sent an unusable user identifier", "subject_invalid")
    return subject


def _email(value: Any) -> str | None:
    return value if isinstance(value, str) and value and is_storable(value) else None


def _name(value: Any) -> str | None:
    return storable(value) if isinstance(value, str) and value else None


def refused(issue: str, reason: str, field: str | None = None) -> OAuth2LoginRefused:
    return OAuth2LoginRefused(issue, reason=reason, field=field)
