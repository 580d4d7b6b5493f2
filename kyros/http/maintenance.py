"""Maintenance mode: while `system.maintenance_mode` is on, writes are answered 503."""

from __future__ import annotations

from collections.abc import Callable

import anyio
from eventsourcing.utils import get_topic
from litestar.types import ASGIApp, Receive, Scope, Send

from kyros.bootstrap import Kyros
from kyros.domain.configuration import Configuration
from kyros.http.envelope import error_body
from kyros.identity.credential_cache import IdentityWatch

CONFIGURATION_TOPICS = (get_topic(Configuration.Initialised), get_topic(Configuration.Changed))
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


class MaintenanceFlag:
    """The switch as the log has it, read again only when the log has gained a configuration
    event since it was read: each write looks at the log, in a look that began after it
    arrived and is shared by the writes that arrived with it (kyros.identity.credential_cache:
    every process sees a change as soon as it commits), instead of a thread hop and a read of
    the configuration's newest version per write."""

    def __init__(self, kyros: Kyros, watch: IdentityWatch) -> None:
        """`watch` must count `CONFIGURATION_TOPICS` (the authenticator's, sharing its
        connection and its looks: `Authenticator(kyros, also_watch=CONFIGURATION_TOPICS)`)."""
        self._kyros = kyros
        self._watch = watch
        self._known: tuple[int, bool] | None = None  # (the watch's generation, the flag)

    async def on(self) -> bool:
        generation = await self._watch.current()
        known = self._known
        if known is not None and known[0] == generation:
            return known[1]
        flag = await anyio.to_thread.run_sync(_in_maintenance, self._kyros)  # read after the look
        self._known = (generation, flag)
        return flag


def maintenance_middleware(flag: MaintenanceFlag) -> Callable[[ASGIApp], ASGIApp]:
    """Reads, health, WebSockets and the writes in `EXEMPT` pass; every other write is
    refused while the flag is on, as the log has it when the write arrives (`MaintenanceFlag`),
    so every process honours a change as soon as it commits."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if _guarded(scope) and await flag.on():
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
