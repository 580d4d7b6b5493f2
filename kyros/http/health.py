"""Liveness and readiness probes: /v1/health/live and /v1/health/ready, unauthenticated."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, Response, get

from kyros.bootstrap import Kyros
from kyros.http.auth import PUBLIC
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.docs import ANONYMOUS
from kyros.http.envelope import ok
from kyros.http.unavailable import unavailable_response
from kyros.observability.database_probe import ping

log = logging.getLogger(__name__)


class HealthController(Controller):
    path = "/health"
    tags = ["Health"]
    opt = {**PUBLIC, **reads()}
    security = ANONYMOUS

    @get("/live", operation_id="GetLiveness")
    async def live(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """The process is up and serving HTTP."""
        return ok(request, {"status": "ok"})

    @get("/ready", operation_id="GetReadiness")
    async def ready(self, request: Request[Any, Any, Any], kyros: Kyros) -> Response[bytes]:
        """The database answers; 503 otherwise, so a load balancer stops sending traffic."""
        try:
            await in_thread(ping, kyros.db)
        except Exception as exc:
            log.warning("readiness check failed: %s", exc)
            return unavailable_response(request)
        return ok(request, {"status": "ready"})
