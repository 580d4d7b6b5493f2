"""Maintenance mode: while `system.maintenance_mode` is on, writes are answered 503."""

from __future__ import annotations

from collections.abc import Callable

import anyio
from litestar.types import ASGIApp, Receive, Scope, Send

from kyros.bootstrap import Kyros
from kyros.http.envelope import error_body

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RETRY_AFTER_SECONDS = 60

# Writes that keep working, by operation id:
EXEMPT = frozenset(
    {
        # the switch itself, or maintenance could never be turned off over the API
        "UpdateConfiguration",
        # an administrator must be able to sign in to turn it off; logging out only removes access
        "Login",
        "RefreshToken",
        "IssueToken",
        "CompleteOAuth2Login",
        "Logout",
        # work already in flight finishes and is accounted for: refusing these would let its
        # leases lapse and requeue work whose model tokens are already paid for
        "AgentHeartbeat",
        "ReportSubmissionProgress",
        "CompleteSubmission",
        "FailSubmission",
    }
)


def maintenance_middleware(kyros: Kyros) -> Callable[[ASGIApp], ASGIApp]:
    """Reads, health, WebSockets and the writes in `EXEMPT` pass; the flag is read from the
    log on every other write, so every process honours a change as soon as it commits."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if _guarded(scope) and await anyio.to_thread.run_sync(_in_maintenance, kyros):
                await _refuse(scope, send)
                return
            await app(scope, receive, send)

        return middleware

    return wrap


def _guarded(scope: Scope) -> bool:
    if scope["type"] != "http" or scope.get("method") not in WRITES:
        return False
    handler = scope.get("route_handler")
    return getattr(handler, "operation_id", None) not in EXEMPT


def _in_maintenance(kyros: Kyros) -> bool:
    return bool(kyros.configuration.settings()["system"]["maintenance_mode"])


async def _refuse(scope: Scope, send: Send) -> None:
    rid = str(scope.get("state", {}).get("request_id", ""))
    details = {
        "field": "system.maintenance_mode",
        "issue": "The system is in maintenance mode; writes are refused until it ends",
    }
    body = error_body(rid, "SERVICE_UNAVAILABLE", "Service temporarily unavailable", details)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
