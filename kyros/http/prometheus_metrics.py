"""GET /metrics: Prometheus exposition format, for a scraper holding a `read_monitoring` key."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from prometheus_client import generate_latest

from kyros.http.auth import requires
from kyros.http.dependencies import in_thread
from kyros.observability.app_monitor import AppMonitor

# Litestar appends "; charset=utf-8" to text/* types itself; naming it here sent it twice.
EXPOSITION_TYPE = "text/plain; version=0.0.4"


@get(
    "/metrics",
    operation_id="GetPrometheusMetrics",
    tags=["Monitoring"],
    guards=[requires("read_monitoring")],
    media_type=EXPOSITION_TYPE,
)
async def prometheus_metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Send `Authorization: Bearer <api key>`; read models are queried at scrape time."""
    monitor: AppMonitor = request.app.state.monitor
    body = await in_thread(generate_latest, monitor.registry)
    return Response(body, media_type=EXPOSITION_TYPE)
