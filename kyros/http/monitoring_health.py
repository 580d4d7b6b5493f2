"""The Monitoring API's health: GET /v1/monitoring/health (liveness and readiness probes,
unauthenticated, are /v1/health/live and /v1/health/ready)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from kyros.bootstrap import Kyros
from kyros.http.auth import requires
from kyros.http.consistency import EVERY_READ_MODEL
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.observability.app_monitor import AppMonitor
from kyros.observability.health_report import health_report


class MonitoringHealthController(Controller):
    path = "/monitoring"
    opt = EVERY_READ_MODEL
    tags = ["Monitoring"]

    @get("/health", operation_id="GetSystemHealth", guards=[requires("read_monitoring")])
    async def get_health(self, request: Request[Any, Any, Any], kyros: Kyros) -> Response[bytes]:
        """Checked now: this process's workers, the database, every read model's lag and each
        model's recent calls. Always 200: `overall_status` tells healthy, degraded or
        unhealthy (the readiness probe is the one that answers 503)."""
        monitor: AppMonitor = request.app.state.monitor
        report = await in_thread(health_report, kyros, monitor.database, monitor.clock)
        return ok(request, report)
