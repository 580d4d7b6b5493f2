"""The Monitoring API's analytics: /v1/monitoring/metrics and /v1/monitoring/costs."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from kyros.bootstrap import Kyros
from kyros.http.auth import requires
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.queries.configuration import get_configuration
from kyros.queries.costs import GROUPS, cost_analysis
from kyros.queries.metrics import METRICS, SPEC_METRICS, performance_metrics
from kyros.queries.metrics_retention import retained, retained_from, retention_note
from kyros.queries.windows import DEFAULT_GRANULARITY, cost_window, metric_buckets, selection
from kyros.timefmt import now


class MonitoringAnalyticsController(Controller):
    path = "/monitoring"
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
        days = (await in_thread(get_configuration, kyros.db))["monitoring"][
            "metrics_retention_days"
        ]
        since = await in_thread(retained_from, kyros.db, days, at)
        buckets = retained(requested, since)
        series = await in_thread(performance_metrics, kyros.db, buckets, names, since)
        retention = retention_note(days, since, requested)
        return ok(
            request, {"period": period, "granularity": step, **series, "retention": retention}
        )

    @get("/costs", operation_id="GetCostAnalysis", guards=[requires("read_costs")])
    async def get_costs(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        period: str = Parameter(default="7d", max_length=10),
        group_by: str | None = Parameter(default=None, max_length=200),
    ) -> Response[bytes]:
        """Savings re-price every priced attempt at the configured escalation model."""
        window = cost_window(period, now())
        groups = selection("group_by", group_by, tuple(GROUPS), tuple(GROUPS))
        premium = (await in_thread(get_configuration, kyros.db))["models"]["escalation_model"]
        analysis = await in_thread(cost_analysis, kyros.db, window, groups, kyros.catalog, premium)
        return ok(request, {"period": period, **analysis})
