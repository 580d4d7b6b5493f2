"""Who is calling: a middleware that resolves the credential, and guards that demand one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import anyio
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from kyros.bootstrap import Kyros
from kyros.domain.identity_errors import Forbidden, Unauthorized
from kyros.domain.permissions import Permission, permissions_for
from kyros.http.idle_sessions import use_session
from kyros.identity.api_keys import looks_like_api_key
from kyros.identity.authority import (
    Holder,
    api_key_holder,
    api_key_holder_by_id,
    session_holder,
)
from kyros.identity.tokens import InvalidToken
from kyros.timefmt import now

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]
PUBLIC = {"public": True}  # `opt=PUBLIC` on a handler or controller: no credential needed

_MISSING = "Authentication required: send Authorization: Bearer <access token or API key>"
_BAD_TOKEN = "Invalid access token"  # noqa: S105 (a message, not a secret)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller. `kind` and `subject` are a contract: rate limits key on them."""

    subject: str  # user_… or key_…
    username: str  # a user's username, or an API key's name
    roles: frozenset[str]
    permissions: frozenset[str]
    kind: Literal["user", "api_key"]
    family_id: str | None = None  # the login session a user's access token belongs to


def authentication_middleware(kyros: Kyros) -> Callable[[ASGIApp], ASGIApp]:
    """Sets `state["principal"]` (None when anonymous) and, for a bad credential,
    `state["auth_error"]`; it never refuses a request itself: the guards do."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] in ("http", "websocket"):
                state = scope.setdefault("state", {})  # type: ignore[typeddict-item]
                try:
                    state["principal"] = await _resolve(kyros, scope["headers"])
                except Unauthorized as refused:
                    state["principal"] = None
                    state["auth_error"] = refused.issue
            await app(scope, receive, send)

        return middleware

    return wrap


async def _resolve(kyros: Kyros, headers: Sequence[tuple[bytes, bytes]]) -> Principal | None:
    authorization = _single(headers, b"authorization")
    api_key = _single(headers, b"x-api-key")
    if authorization is None and api_key is None:
        return None
    if authorization is not None and api_key is not None:
        raise Unauthorized("Send either Authorization or X-API-Key, not both")
    if api_key is not None:
        return await anyio.to_thread.run_sync(by_api_key, kyros, api_key.strip())
    scheme, _, credential = authorization.partition(" ")  # type: ignore[union-attr]
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthorized("Use Authorization: Bearer <access token or API key>")
    if looks_like_api_key(credential):
        return await anyio.to_thread.run_sync(by_api_key, kyros, credential)
    return await anyio.to_thread.run_sync(_by_token, kyros, credential)


def _single(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> str | None:
    values = [value for key, value in headers if key == name]
    if len(values) > 1:
        raise Unauthorized(f"The {name.decode()} header was sent more than once")
    return values[0].decode("latin-1") if values else None


def by_api_key(kyros: Kyros, plaintext: str) -> Principal:
    return _principal(api_key_holder(kyros.app, kyros.db, plaintext), "api_key")


def _by_token(kyros: Kyros, token: str) -> Principal:
    """Roles come from the key or user now, not from the token, so a revoked role or key stops
    working at once."""
    try:
        claims = kyros.tokens.decode(token, "access", now())
    except InvalidToken as invalid:
        expired = invalid.reason == "expired"
        raise Unauthorized("The access token has expired" if expired else _BAD_TOKEN) from None
    if claims.subject.startswith("key_"):
        return _principal(api_key_holder_by_id(kyros.app, kyros.db, claims.subject), "api_key")
    holder = session_holder(kyros.app, kyros.db, claims.session_id, claims.subject)
    use_session(kyros, str(claims.session_id))  # only a live session counts as a use
    return _principal(holder, "user", claims.session_id)


def _principal(
    holder: Holder, kind: Literal["user", "api_key"], family_id: str | None = None
) -> Principal:
    return Principal(
        subject=holder.subject,
        username=holder.name,
        roles=holder.roles,
        permissions=permissions_for(holder.roles),
        kind=kind,
        family_id=family_id,
    )


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller, or 401 with the reason their credential was refused."""
    state = connection.scope.get("state", {})
    principal: Principal | None = state.get("principal")
    if principal is None:
        raise Unauthorized(state.get("auth_error") or _MISSING)
    return principal


Connection = ASGIConnection[Any, Any, Any, Any]


def authenticated(connection: Connection, handler: BaseRouteHandler) -> None:
    """The default on every /v1 route: a caller is required unless the handler is `public`
    (or the request is an OPTIONS discovery, which never carries credentials)."""
    if not handler.opt.get("public") and connection.scope.get("method") != "OPTIONS":
        principal_of(connection)


def requires(permission: str) -> Guard:
    """401 without a caller, 403 when the caller's roles do not grant `permission`."""
    wanted = Permission(permission)  # a typo fails at import time, not as a silent 403

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        if wanted not in principal_of(connection).permissions:
            raise Forbidden(f"Requires the {wanted} permission")

    return guard


def requires_any(*permissions: str) -> Guard:
    """Like `requires`, for a route that several permissions open (the handler then decides
    what each may do, e.g. PUT /tasks for `update_task` or an agent's `report_work`)."""
    wanted = frozenset(Permission(p) for p in permissions)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        if not wanted & principal_of(connection).permissions:
            raise Forbidden(f"Requires one of the {', '.join(sorted(wanted))} permissions")

    return guard
