"""The Monitoring API's analytics: /v1/monitoring/metrics and /v1/monitoring/costs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from kyros.bootstrap import Kyros
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.query_params import selection
from kyros.queries.configuration import get_configuration
from kyros.queries.costs import GROUPS, cost_analysis
from kyros.queries.metrics import METRICS, SPEC_METRICS, performance_metrics
from kyros.queries.metrics_retention import retained, retained_from, retention_note
from kyros.queries.windows import DEFAULT_GRANULARITY, cost_window, metric_buckets
from kyros.timefmt import now


class MonitoringAnalyticsController(Controller):
    path = "/monitoring"
    opt = reads("analytics", "configuration")
    tags = ["Monitoring"]

    @get("/metrics", operation_id="GetPerformanceMetrics", guards=[requires("read_monitoring")])
    async def get_metrics(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        period: str = Parameter(default="24h", max_length=10),
        granularity: str | None = Parameter(default=None, max_length=10),
        metrics: str | None = Parameter(default=None, max_length=1_000),
    ) -> Response[bytes]:
        """Buckets aligned to the granularity in UTC, the last one holding now; the default
        granularity is 5m for 1h, 1h for 24h and 7d, 1d for 30d. Only buckets within the
        metrics retention are answered; `retention` says from when data is kept."""
        step = DEFAULT_GRANULARITY.get(period, "1h") if granularity is None else granularity
        at = now()
        requested = metric_buckets(period, step, at)
        names = selection("metrics", metrics, tuple(METRICS), SPEC_METRICS)
        days, since = await _retention(kyros, at)
        buckets = retained(requested, since)
        series = await in_thread(performance_metrics, kyros.db, buckets, names, since)
        retention = retention_note(days, since, requested.start)
        body = {"period": period, "granularity": step, **series, "retention": retention}
        return ok(request, body)

    @get("/costs", operation_id="GetCostAnalysis", guards=[requires("read_costs")])
    async def get_costs(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        period: str = Parameter(default="7d", max_length=10),
        group_by: str | None = Parameter(default=None, max_length=200),
    ) -> Response[bytes]:
        """Savings re-price every priced attempt at the configured escalation model. A
        period reaching past the metrics retention covers only what is retained."""
        at = now()
        start, end = cost_window(period, at)
        groups = selection("group_by", group_by, tuple(GROUPS), tuple(GROUPS))
        days, since = await _retention(kyros, at)
        premium = (await in_thread(get_configuration, kyros.db))["models"]["escalation_model"]
        window = (max(start, since), end)
        analysis = await in_thread(cost_analysis, kyros.db, window, groups, kyros.catalog, premium)
        retention = retention_note(days, since, start)
        return ok(request, {"period": period, **analysis, "retention": retention})


async def _retention(kyros: Kyros, at: datetime) -> tuple[int, datetime]:
    """monitoring.metrics_retention_days, and the moment from which facts are retained."""
    days = (await in_thread(get_configuration, kyros.db))["monitoring"]["metrics_retention_days"]
    return days, await in_thread(retained_from, kyros.db, days, at)
