"""Who is calling: a middleware that resolves the credential, and guards that demand one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import anyio
from eventsourcing.utils import get_topic
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Scope

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
from kyros.identity.credential_cache import VOIDING_EVENTS, CredentialCache, IdentityWatch
from kyros.identity.tokens import InvalidToken
from kyros.timefmt import now

# Guards are coroutines: Litestar runs a plain function guard on a worker thread, a hop per
# guard per request for a check of what is already in memory.
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]
PUBLIC = {"public": True}  # `opt=PUBLIC` on a handler or controller: no credential needed

_MISSING = "Authentication required: send Authorization: Bearer <access token or API key>"
_BAD_TOKEN = "Invalid access token"  # noqa: S105 (a message, not a secret)
_BAD_KEY = "Invalid or revoked API key"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller. `kind` and `subject` are a contract: rate limits key on them."""

    subject: str  # user_… or key_…
    username: str  # a user's username, or an API key's name
    roles: frozenset[str]
    permissions: frozenset[str]
    kind: Literal["user", "api_key"]
    family_id: str | None = None  # the login session a user's access token belongs to


class Authenticator:
    """Resolves credentials as `_resolve` does, reusing decisions the log has not voided
    (kyros.identity.credential_cache): a known credential costs no query of its own."""

    def __init__(self, kyros: Kyros, also_watch: Sequence[str] = ()) -> None:
        """`also_watch`: more event topics that move the watch's generation on (for others
        sharing `watch`; they void cached decisions too, which costs one lookup each)."""
        self._kyros = kyros
        settings = kyros.settings
        topics = [get_topic(e) for e in VOIDING_EVENTS] + list(also_watch)
        self.watch = IdentityWatch(
            kyros.db, settings.database_url, settings.database_timeout_seconds, topics
        )
        self._cache: CredentialCache[tuple[Principal, str | None]] = CredentialCache()

    async def aclose(self) -> None:
        await self.watch.aclose()

    async def authenticate(self, scope: Scope) -> None:
        """Sets `state["principal"]` (None when anonymous) and, for a bad credential,
        `state["auth_error"]`; it never refuses a request itself: the guards do."""
        state = scope.setdefault("state", {})  # type: ignore[typeddict-item]
        try:
            state["principal"] = await self.resolve(scope["headers"])
        except Unauthorized as refused:
            state["principal"] = None
            state["auth_error"] = refused.issue

    async def resolve(self, headers: Sequence[tuple[bytes, bytes]]) -> Principal | None:
        credential = _credential(headers)
        if credential is None:
            return None
        generation = await self.watch.current()
        cached = self._cache.get(credential, generation)
        if cached is None:
            cached, expires_at = await anyio.to_thread.run_sync(self._decide, credential)
            self._cache.put(credential, cached, generation, expires_at)
        elif cached[1] is not None:  # a login session: each use counts (and may end it)
            await anyio.to_thread.run_sync(use_session, self._kyros, cached[1])
        return cached[0]

    def _decide(self, credential: str) -> tuple[tuple[Principal, str | None], float | None]:
        """The decision, the session it uses, and when the credential stops being valid."""
        if looks_like_api_key(credential):
            return (by_api_key(self._kyros, credential), None), None
        principal, expires_at = _token_principal(self._kyros, credential)
        if principal.family_id is not None:
            use_session(self._kyros, principal.family_id)
        return (principal, principal.family_id), expires_at


def _credential(headers: Sequence[tuple[bytes, bytes]]) -> str | None:
    """The API key or access token a request carries; None when it carries none."""
    authorization = _single(headers, b"authorization")
    api_key = _single(headers, b"x-api-key")
    if authorization is None and api_key is None:
        return None
    if authorization is not None and api_key is not None:
        raise Unauthorized("Send either Authorization or X-API-Key, not both")
    if api_key is not None:
        api_key = api_key.strip()
        if not looks_like_api_key(api_key):
            raise Unauthorized(_BAD_KEY)
        return api_key
    scheme, _, credential = authorization.partition(" ")  # type: ignore[union-attr]
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthorized("Use Authorization: Bearer <access token or API key>")
    return credential


async def _resolve(kyros: Kyros, headers: Sequence[tuple[bytes, bytes]]) -> Principal | None:
    """Without a cache: a WebSocket's periodic re-check reads the store every time."""
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
    principal, _ = _token_principal(kyros, token)
    if principal.family_id is not None:
        use_session(kyros, principal.family_id)  # only a live session counts as a use
    return principal


def _token_principal(kyros: Kyros, token: str) -> tuple[Principal, float]:
    """Roles come from the key or user now, not from the token, so a revoked role or key stops
    working at once. With the token's expiry (Unix time)."""
    try:
        claims = kyros.tokens.decode(token, "access", now())
    except InvalidToken as invalid:
        expired = invalid.reason == "expired"
        raise Unauthorized("The access token has expired" if expired else _BAD_TOKEN) from None
    expires_at = claims.expires_at.timestamp()
    if claims.subject.startswith("key_"):
        holder = api_key_holder_by_id(kyros.app, kyros.db, claims.subject)
        return _principal(holder, "api_key"), expires_at
    holder = session_holder(kyros.app, kyros.db, claims.session_id, claims.subject)
    return _principal(holder, "user", claims.session_id), expires_at


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


async def authenticated(connection: Connection, handler: BaseRouteHandler) -> None:
    """The default on every /v1 route: a caller is required unless the handler is `public`
    (or the request is an OPTIONS discovery, which never carries credentials)."""
    if not handler.opt.get("public") and connection.scope.get("method") != "OPTIONS":
        principal_of(connection)


def requires(permission: str) -> Guard:
    """401 without a caller, 403 when the caller's roles do not grant `permission`."""
    wanted = Permission(permission)  # a typo fails at import time, not as a silent 403

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        if wanted not in principal_of(connection).permissions:
            raise Forbidden(f"Requires the {wanted} permission")

    return guard


def requires_any(*permissions: str) -> Guard:
    """Like `requires`, for a route that several permissions open (the handler then decides
    what each may do, e.g. PUT /tasks for `update_task` or an agent's `report_work`)."""
    wanted = frozenset(Permission(p) for p in permissions)

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        if not wanted & principal_of(connection).permissions:
            raise Forbidden(f"Requires one of the {', '.join(sorted(wanted))} permissions")

    return guard
