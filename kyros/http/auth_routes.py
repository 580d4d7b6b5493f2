"""The Authentication API: /v1/auth/login, refresh, token (OAuth2), me and logout."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.sessions import LogIn, LogOut, Refresh, Session
from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.identity_errors import Unauthorized
from kyros.http.auth import PUBLIC, Principal, by_api_key
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.docs import ANONYMOUS
from kyros.http.envelope import ok
from kyros.http.forms import read_form, required
from kyros.http.idle_sessions import use_session
from kyros.http.schemas.identity import RefreshRequest
from kyros.identity.api_keys import api_key_prefix
from kyros.identity.tokens import MAX_TOKEN_BYTES, InvalidToken
from kyros.queries.configuration import get_configuration
from kyros.queries.identity import get_api_key, get_user
from kyros.timefmt import now

GRANT_TYPES = ("password", "refresh_token", "client_credentials")
_TOKEN_FIELDS = {
    "grant_type": 50,
    "username": 254,
    "password": 1024,
    "refresh_token": MAX_TOKEN_BYTES,
    "client_id": 100,
    "client_secret": 200,
}


class AuthController(Controller):
    path = "/auth"
    opt = reads("users", "api_keys", "token_families", "configuration")
    tags = ["Authentication"]

    @post("/login", operation_id="Login", status_code=200, opt=PUBLIC, security=ANONYMOUS)
    async def login(self, request: Request[Any, Any, Any], kyros: Kyros) -> Response[bytes]:
        """Form-encoded `username` and `password`; the same refusal for any wrong pair."""
        form = await read_form(request, {"username": 254, "password": 1024})
        username, password = required(form, "username"), required(form, "password")
        return ok(request, await _password_grant(kyros, username, password))

    @post("/refresh", operation_id="RefreshToken", status_code=200, opt=PUBLIC, security=ANONYMOUS)
    async def refresh(
        self, request: Request[Any, Any, Any], data: RefreshRequest, kyros: Kyros
    ) -> Response[bytes]:
        """Rotates: the refresh token sent is spent; sending it again ends its session."""
        return ok(request, await _refresh_grant(kyros, data.refresh_token))

    @post("/token", operation_id="IssueToken", status_code=200, opt=PUBLIC, security=ANONYMOUS)
    async def token(self, request: Request[Any, Any, Any], kyros: Kyros) -> Response[bytes]:
        """OAuth2 token endpoint (RFC 6749): password, refresh_token or client_credentials
        (client_id = the API key's prefix, client_secret = the whole key)."""
        form = await read_form(request, _TOKEN_FIELDS)
        grant = required(form, "grant_type")
        if grant == "password":
            user, password = required(form, "username"), required(form, "password")
            return ok(request, await _password_grant(kyros, user, password))
        if grant == "refresh_token":
            return ok(request, await _refresh_grant(kyros, required(form, "refresh_token")))
        if grant == "client_credentials":
            client = required(form, "client_id"), required(form, "client_secret")
            return ok(request, await _client_grant(kyros, *client))
        raise DomainError(f"Must be one of: {', '.join(GRANT_TYPES)}", field="grant_type")

    @get("/me", operation_id="GetCurrentUser")
    async def me(
        self, request: Request[Any, Any, Any], kyros: Kyros, principal: Principal
    ) -> Response[bytes]:
        return ok(request, await in_thread(_profile, kyros, principal))

    @post("/logout", operation_id="Logout", status_code=200)
    async def logout(
        self, request: Request[Any, Any, Any], kyros: Kyros, principal: Principal
    ) -> Response[bytes]:
        """Revokes the caller's session: its refresh tokens and its access tokens alike."""
        if principal.family_id is None:
            raise InvalidState("API keys have no session; revoke the key instead", field="session")
        command = LogOut(family_id=principal.family_id, actor=principal.subject)
        await kyros.execute(command)
        data = {"session_id": principal.family_id, "status": "revoked"}
        return ok(request, data, message="Logged out")


async def _password_grant(kyros: Kyros, username: str, password: str) -> dict[str, Any]:
    security = (await in_thread(get_configuration, kyros.db))["security"]
    command = LogIn(
        username=username,
        password=password,
        max_attempts=security["max_login_attempts"],
        family_id=ULID().to_uuid(),
        token_id=secrets.token_urlsafe(16),
    )
    session: Session = await kyros.execute(command)
    return login_response(kyros, session, security["jwt_expiration_hours"])


async def _refresh_grant(kyros: Kyros, token: str) -> dict[str, Any]:
    try:
        claims = kyros.tokens.decode(token, "refresh", now())
    except InvalidToken as invalid:
        expired = invalid.reason == "expired"
        raise Unauthorized(f"{'Expired' if expired else 'Invalid'} refresh token") from None
    if claims.family_id:
        await in_thread(use_session, kyros, claims.family_id)
    command = Refresh(
        user_id=claims.subject,
        family_id=claims.family_id or "",
        token_id=claims.token_id,
        next_token_id=secrets.token_urlsafe(16),
    )
    session: Session = await kyros.execute(command)
    hours = (await in_thread(get_configuration, kyros.db))["security"]["jwt_expiration_hours"]
    return login_response(kyros, session, hours)


async def _client_grant(kyros: Kyros, client_id: str, client_secret: str) -> dict[str, Any]:
    """No refresh token (RFC 6749 §4.4.3): the client holds its secret and asks again."""
    if api_key_prefix(client_secret) != client_id:
        raise Unauthorized("Invalid client credentials")
    try:
        key = await in_thread(by_api_key, kyros, client_secret)
    except Unauthorized:
        raise Unauthorized("Invalid client credentials") from None
    hours = (await in_thread(get_configuration, kyros.db))["security"]["jwt_expiration_hours"]
    ttl = timedelta(hours=hours)
    token = kyros.tokens.issue_access(key.subject, key.roles, now(), ttl=ttl)
    return {"access_token": token, "token_type": "bearer", "expires_in": int(ttl.total_seconds())}


def login_response(kyros: Kyros, session: Session, hours: int) -> dict[str, Any]:
    """The spec's login response, exactly (password and OAuth2 provider logins alike)."""
    at, ttl = now(), timedelta(hours=hours)
    user, family = session.user_id, session.family_id
    return {
        "access_token": kyros.tokens.issue_access(
            user, session.roles, at, session_id=family, ttl=ttl
        ),
        "token_type": "bearer",
        "expires_in": int(ttl.total_seconds()),
        "refresh_token": kyros.tokens.issue_refresh(user, family, session.token_id, at),
        "user": {"id": user, "email": session.email, "roles": session.roles},
    }


def _profile(kyros: Kyros, principal: Principal) -> dict[str, Any]:
    """The spec's profile; an API key answers with its name and role in the same shape."""
    if principal.kind == "user":
        user = get_user(kyros.db, principal.subject) or {}
        fields = ("id", "email", "name", "roles", "permissions", "created_at", "last_login")
        return {field: user.get(field) for field in fields}
    key = get_api_key(kyros.db, principal.subject) or {}
    return {
        "id": principal.subject,
        "email": None,
        "name": principal.username,
        "roles": sorted(principal.roles),
        "permissions": sorted(principal.permissions),
        "created_at": key.get("created_at"),
        "last_login": None,
    }
