"""Alerts from the Monitoring API: /v1/monitoring/alerts, acknowledged and resolved by operators."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter, QueryParameter

from kyros.bootstrap import Kyros
from kyros.commands.alerts import AcknowledgeAlert, ResolveAlert
from kyros.domain.alert import ALERT_TYPES, SEVERITIES, STATUSES
from kyros.domain.alert_errors import AlertNotFound
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.idempotency import IDEMPOTENT
from kyros.http.query_params import choices
from kyros.http.schemas.alerts import AlertNote
from kyros.queries.alerts import AlertFilter, get_alert, list_alerts

Req = Request[Any, Any, Any]


class AlertController(Controller):
    path = "/monitoring/alerts"
    opt = reads("alerts")
    tags = ["Monitoring"]

    @get("/", operation_id="GetAlerts", guards=[requires("read_monitoring")])
    async def list_alerts(
        self,
        request: Req,
        kyros: Kyros,
        status: str | None = Parameter(default=None, max_length=200),
        severity: str | None = Parameter(default=None, max_length=200),
        alert_type: str | None = QueryParameter(name="type", default=None, max_length=200),
        limit: int = Parameter(default=50, ge=1, le=200),
        offset: int = Parameter(default=0, ge=0, le=10_000_000),
    ) -> Response[bytes]:
        """Newest first; `status`, `severity` and `type` are comma-separated."""
        query = AlertFilter(
            status=choices("status", status, STATUSES),
            severity=choices("severity", severity, SEVERITIES),
            type=choices("type", alert_type, ALERT_TYPES),
            limit=limit,
            offset=offset,
        )
        items, total = await in_thread(list_alerts, kyros.db, query)
        more = offset + len(items) < total
        pagination = {"total": total, "limit": limit, "offset": offset, "has_more": more}
        return ok(request, {"alerts": items, "pagination": pagination})

    @post(
        "/{alert_id:str}/acknowledge",
        operation_id="AcknowledgeAlert",
        status_code=200,
        guards=[requires("manage_alerts")],
        opt=IDEMPOTENT,
    )
    async def acknowledge(
        self, request: Req, alert_id: str, kyros: Kyros, actor: str, data: AlertNote | None = None
    ) -> Response[bytes]:
        """Only an active alert (409 INVALID_STATE otherwise)."""
        note = data.note if data is not None else None
        await kyros.execute(AcknowledgeAlert(alert_id=alert_id, note=note, actor=actor))
        return ok(request, await _read(kyros, alert_id), message="Alert acknowledged")

    @post(
        "/{alert_id:str}/resolve",
        operation_id="ResolveAlert",
        status_code=200,
        guards=[requires("manage_alerts")],
        opt=IDEMPOTENT,
    )
    async def resolve(
        self, request: Req, alert_id: str, kyros: Kyros, actor: str, data: AlertNote | None = None
    ) -> Response[bytes]:
        """An active or acknowledged alert (409 INVALID_STATE once resolved)."""
        note = data.note if data is not None else None
        await kyros.execute(ResolveAlert(alert_id=alert_id, note=note, actor=actor))
        return ok(request, await _read(kyros, alert_id), message="Alert resolved")


async def _read(kyros: Kyros, alert_id: str) -> dict[str, Any]:
    view = await in_thread(get_alert, kyros.db, alert_id)
    if view is None:
        raise AlertNotFound(alert_id)
    return view
