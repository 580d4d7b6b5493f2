"""Per-identity rate limits by endpoint group, with the spec's headers on every response."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import anyio
from limits.errors import StorageError
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope, Send

from kyros.http.envelope import error_body
from kyros.http.rate_limiter import RateLimiter, RateLimitResult, client_identity, headers
from kyros.settings import Settings

log = logging.getLogger(__name__)

# (method or "*", path prefix, group): first match wins; the spec's "Rate Limit by Endpoint".
_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/v1/auth/me", "default"),
    ("*", "/v1/auth/", "auth"),
    ("POST", "/v1/tasks", "task_create"),
    ("POST", "/v1/models/select", "model_select"),
    ("*", "/v1/monitoring", "monitoring"),
    ("GET", "/metrics", "monitoring"),  # Prometheus scrapes count as monitoring
    ("*", "/v1/webhooks", "webhooks"),
    ("POST", "/v1/agents/register", "agent_work"),
    ("POST", "/v1/agents/agent_", "agent_work"),  # heartbeat and claim; roles never start so
    ("POST", "/v1/submissions/", "agent_work"),
)
OUTAGE_PAUSE_SECONDS = 5.0  # how long limits stay open after the store failed, before a retry
_UNLIMITED = ("/v1/health/", "/v1/schema", "/v1/docs-assets", "/console")  # + static console
_COUNTED = "rate_limit_counted"  # scope state: the middleware saw this request


def group_for(method: str, path: str) -> str | None:
    """The limit group of a request; None for liveness and docs, which are never limited."""
    if path.startswith(_UNLIMITED):
        return None
    for wanted, prefix, group in _GROUPS:
        exact = prefix == "/v1/tasks"
        matches = path.rstrip("/") == prefix if exact else path.startswith(prefix)
        if matches and wanted in ("*", method):
            return group
    return "default"


def identity_of(scope: Scope, trusted_proxies: tuple[str, ...]) -> str:
    """The authenticated principal when there is one, else the client address."""
    principal = scope.get("state", {}).get("principal")
    if principal is not None:
        return f"{principal.kind}:{principal.subject}"
    peer = (scope.get("client") or ("unknown", 0))[0]
    forwarded = b",".join(v for k, v in scope["headers"] if k == b"x-forwarded-for")
    return "ip:" + client_identity(peer, forwarded.decode("latin-1") or None, trusted_proxies)


class RateLimits:
    """Counts every routed request against its group, and reports a standing on every response.

    Liveness, readiness and the docs are never counted or refused; unknown routes and wrong
    methods are answered before any route (or credential) is looked at. Those responses still
    carry the headers (the spec: "all API responses"), showing what the caller has left in the
    path's group without spending any of it.
    """

    def __init__(self, settings: Settings) -> None:
        self._limiter = RateLimiter(
            storage_url=settings.redis_url,
            overrides=settings.rate_limits,
            timeout_seconds=settings.redis_timeout_seconds,
        )
        self._remote = settings.redis_url is not None
        self._trusted = settings.trusted_proxies
        self._outage = Outage()

    async def count(self, scope: Scope) -> RateLimitResult | None:
        """Counts a routed request against its group: its standing, or None when it is not
        counted (liveness and docs) or the limit store is failing (limits then stay open)."""
        if scope["type"] != "http":
            return None
        group = group_for(scope.get("method", "GET"), scope["path"])
        if group is None:
            return None
        scope.setdefault("state", {})[_COUNTED] = True  # type: ignore[typeddict-item]
        if self._outage.ongoing():  # fail open at once rather than wait on Redis again
            return None
        try:
            return await self._call(self._limiter.hit, group, scope)
        except StorageError as exc:
            self._outage.begin()
            log.warning("rate-limit storage unavailable (%s); requests allowed", exc)
            return None

    async def report_standing(self, message: Message, scope: Scope) -> None:
        """A `before_send` hook: fills in the headers where `middleware` counted nothing."""
        if message["type"] != "http.response.start" or scope["type"] != "http":
            return
        if scope.get("state", {}).get(_COUNTED):
            return  # counted (or the storage failed once already: no second wait)
        response_headers = MutableScopeHeaders.from_message(message)
        group = group_for(scope.get("method", "GET"), scope["path"]) or "default"
        if self._outage.ongoing():
            return
        try:
            result = await self._call(self._limiter.peek, group, scope)
        except StorageError:
            self._outage.begin()
            return
        for name, value in headers(result).items():
            response_headers[name] = value

    async def _call(
        self, method: Callable[[str, str], RateLimitResult], group: str, scope: Scope
    ) -> RateLimitResult:
        identity = identity_of(scope, self._trusted)
        if self._remote:  # a network round trip: keep it off the event loop
            return await anyio.to_thread.run_sync(method, group, identity)
        return method(group, identity)


class Outage:
    """After the limit store fails, skip it for a while: each request would otherwise wait a
    full timeout on it, and a few dozen such waits exhaust the server's worker threads."""

    def __init__(self, pause_seconds: float = OUTAGE_PAUSE_SECONDS) -> None:
        self.pause_seconds = pause_seconds
        self._until = 0.0

    def begin(self) -> None:
        self._until = time.monotonic() + self.pause_seconds

    def ongoing(self) -> bool:
        return time.monotonic() < self._until


async def refuse(scope: Scope, send: Send, result: RateLimitResult) -> None:
    """The 429 answer, with the standing's headers and Retry-After."""
    rid = str(scope.get("state", {}).get("request_id", ""))
    body = error_body(
        rid,
        "RATE_LIMITED",
        "Too many requests",
        {"limit": result.limit, "retry_after": result.retry_after_seconds},
    )
    fields = {**headers(result), "Content-Type": "application/json"}
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [(k.lower().encode(), v.encode()) for k, v in fields.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})
