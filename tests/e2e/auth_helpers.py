"""Shared pieces of the identity HTTP tests: logins and tokens, read or forged."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from kyros.bootstrap import AUDIENCE, ISSUER, REFRESH_TTL, Kyros
from kyros.identity.tokens import TokenService
from tests.builders.commands import PASSWORD

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def login(http: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    return http.post("/v1/auth/login", data={"username": username, "password": password})


def tokens(http: httpx.Client, username: str, password: str = PASSWORD) -> dict[str, Any]:
    response = login(http, username, password)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(token: str) -> dict[str, Any]:
    """The unverified payload of a JWT (for reading what the server put in it)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def alg_none(token: str) -> str:
    """The same claims, unsigned, with `alg: none`."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{token.split('.')[1]}."


def signed_with_another_key(kyros: Kyros, token: str) -> str:
    """A well-formed HS256 token with the same claims, signed with a key Kyros does not hold."""
    other = TokenService(
        b"another-secret-that-is-32-bytes!", ISSUER, AUDIENCE, REFRESH_TTL, REFRESH_TTL
    )
    c = claims(token)
    return other.issue_access(c["sub"], c["roles"], datetime.now(UTC), session_id=c.get("sid"))


def expired(kyros: Kyros, token: str) -> str:
    """Correctly signed, but issued two days ago with a one-hour life."""
    c = claims(token)
    issued = datetime.now(UTC) - timedelta(days=2)
    return kyros.tokens.issue_access(
        c["sub"], c["roles"], issued, session_id=c.get("sid"), ttl=timedelta(hours=1)
    )
