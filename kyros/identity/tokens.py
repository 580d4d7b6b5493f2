"""HS256 access and refresh tokens whose every validation failure is one InvalidToken."""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

TokenType = Literal["access", "refresh"]

MAX_TOKEN_BYTES = 8 * 1024
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key must be at least 256 bits.
_ALGORITHM = "HS256"
_LATEST_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime holds
_COMMON_CLAIMS = ("iss", "aud", "sub", "iat", "nbf", "exp", "jti", "typ")
_TYPE_CLAIM: dict[str, str] = {"access": "roles", "refresh": "fam"}
_PYJWT_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.InvalidAlgorithmError, "algorithm_not_allowed"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.InvalidAudienceError, "wrong_audience"),
)


class InvalidToken(Exception):
    """The single failure of decode; `reason` is a short code for logs, never the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid token: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TokenClaims:
    token_type: TokenType
    subject: str
    token_id: str
    issued_at: datetime
    expires_at: datetime
    roles: frozenset[str] = frozenset()
    family_id: str | None = None  # refresh tokens only: the rotation chain to revoke on reuse
    session_id: str | None = None  # access tokens only, when issued: the family they belong to


class TokenService:
    """Issues and checks tokens; the caller passes `now`, so nothing here reads a clock."""

    __slots__ = ("_access_ttl", "_audience", "_issuer", "_refresh_ttl", "_secret")

    def __init__(
        self,
        secret: bytes,
        issuer: str,
        audience: str,
        access_ttl: timedelta,
        refresh_ttl: timedelta,
    ) -> None:
        if not issuer or not audience:
            raise ValueError("issuer and audience must be non-empty")
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"token secret must be at least {MIN_SECRET_BYTES} bytes")
        if access_ttl <= timedelta(0) or refresh_ttl <= timedelta(0):
            raise ValueError("token lifetimes must be positive")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl

    def __repr__(self) -> str:
        return f"TokenService(issuer={self._issuer!r}, audience={self._audience!r})"

    def issue_access(
        self,
        subject: str,
        roles: Iterable[str],
        now: datetime,
        token_id: str | None = None,
        *,
        session_id: str | None = None,
        ttl: timedelta | None = None,
    ) -> str:
        """`session_id` becomes the `sid` claim (revocable with its family); `ttl` overrides
        the default lifetime, for lifetimes that are configured at run time."""
        if isinstance(roles, str):
            raise TypeError("roles must be an iterable of role names, not a single string")
        if ttl is not None and ttl <= timedelta(0):
            raise ValueError("token lifetimes must be positive")
        extra: dict[str, Any] = {"roles": sorted(set(roles))}
        if session_id is not None:
            extra["sid"] = session_id
        return self._issue("access", subject, token_id, now, ttl or self._access_ttl, extra)

    def issue_refresh(self, subject: str, family_id: str, token_id: str, now: datetime) -> str:
        """Refresh tokens carry no roles: they are re-read at refresh so revocations bite."""
        if not family_id or not token_id:
            raise ValueError("family_id and token_id must be non-empty")
        return self._issue("refresh", subject, token_id, now, self._refresh_ttl, {"fam": family_id})

    def decode(self, token: str, expected_type: TokenType, now: datetime) -> TokenClaims:
        at = _timestamp(now)
        if not isinstance(token, str) or not token.isascii():
            raise InvalidToken("malformed")
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("too_large")
        payload = self._verified_payload(token)
        if payload["typ"] != expected_type:
            raise InvalidToken("wrong_type")
        if _TYPE_CLAIM[expected_type] not in payload:
            raise InvalidToken("missing_claim")
        issued_at, not_before, expires = (_numeric(payload, c) for c in ("iat", "nbf", "exp"))
        if at >= expires:
            raise InvalidToken("expired")
        if at < not_before or at < issued_at:
            raise InvalidToken("not_yet_valid")
        return _claims(payload, expected_type, issued_at, expires)

    def _issue(
        self,
        token_type: TokenType,
        subject: str,
        token_id: str | None,
        now: datetime,
        ttl: timedelta,
        extra: dict[str, Any],
    ) -> str:
        if not subject or token_id == "":
            raise ValueError("subject and token_id must be non-empty")
        issued_at = math.floor(_timestamp(now))
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + math.ceil(ttl.total_seconds()),
            "jti": secrets.token_urlsafe(16) if token_id is None else token_id,
            "typ": token_type,
            **extra,
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def _verified_payload(self, token: str) -> dict[str, Any]:
        """Signature, algorithm, issuer and audience by pyjwt; time is checked against `now`."""
        try:
            if jwt.get_unverified_header(token).get("alg") != _ALGORITHM:
                raise InvalidToken("algorithm_not_allowed")
            return jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=0,
                options={
                    "require": list(_COMMON_CLAIMS),
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "strict_aud": True,
                },
            )
        except jwt.PyJWTError as error:
            reason = next((r for kind, r in _PYJWT_REASONS if isinstance(error, kind)), None)
            raise InvalidToken(reason or "malformed") from None


def _timestamp(now: datetime) -> float:
    """Naive datetimes are refused: .timestamp() would silently read them as local time."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.timestamp()


def _numeric(payload: dict[str, Any], claim: str) -> float:
    """A Unix time between 1970 and the year 9999: compared as given, so an integer too large for
    a float (`10**400`) is refused rather than overflowing; NaN and infinities fail the range."""
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken("malformed")
    if not 0 <= value <= _LATEST_TIMESTAMP:
        raise InvalidToken("malformed")
    return float(value)


def _claims(
    payload: dict[str, Any], token_type: TokenType, issued_at: float, expires: float
) -> TokenClaims:
    """Type-check what pyjwt leaves alone; a signed but odd payload is still refused."""
    family = payload.get("fam")  # present on every refresh token (checked by decode)
    session = payload.get("sid")
    optional = [v for v in (family, session) if v is not None]
    strings = [payload["sub"], payload["jti"], *optional]
    roles = payload.get("roles", [])
    if not all(isinstance(v, str) and v for v in strings) or not (
        isinstance(roles, list) and all(isinstance(r, str) for r in roles)
    ):
        raise InvalidToken("malformed")
    try:
        issued, expiry = (datetime.fromtimestamp(t, UTC) for t in (issued_at, expires))
    except (OverflowError, OSError, ValueError):
        raise InvalidToken("malformed") from None
    return TokenClaims(
        token_type=token_type,
        subject=payload["sub"],
        token_id=payload["jti"],
        issued_at=issued,
        expires_at=expiry,
        roles=frozenset(roles),
        family_id=family,
        session_id=session,
    )
