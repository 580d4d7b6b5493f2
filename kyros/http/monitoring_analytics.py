"""The Monitoring API's analytics: /v1/monitoring/metrics and /v1/monitoring/costs."""

from __future__ import annotations

from dataclasses import replace
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
from kyros.queries.periods import Window, resolve
from kyros.queries.windows import (
    COST_PERIODS,
    DEFAULT_GRANULARITY,
    METRIC_PERIODS,
    Buckets,
    metric_buckets,
    window_buckets,
    window_granularity,
)
from kyros.timefmt import iso, now

# `from`/`to`: RFC 3339 date-times (Z or an offset) or dates; `at` names a calendar period.
_INSTANT = {"min_length": 1, "max_length": 40}
_AT = {
    "min_length": 1,
    "max_length": 10,
    "description": "The calendar period: 2026-11-30 (day), 2026-W48 (week), 2026-11 (month),"
    " 2026-Q4 (quarter), 2026 (year); default the one holding now.",
}
_FROM = {
    **_INSTANT,
    "description": "Start (inclusive) of a range instead of period: RFC 3339 with Z or an"
    " offset, or a date (its midnight UTC).",
}
_TO = {**_INSTANT, "description": "End (exclusive) of the range; default now; at most 366 days."}


class MonitoringAnalyticsController(Controller):
    path = "/monitoring"
    opt = reads("analytics", "configuration")
    tags = ["Monitoring"]

    @get("/metrics", operation_id="GetPerformanceMetrics", guards=[requires("read_monitoring")])
    async def get_metrics(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        period: str | None = Parameter(default=None, max_length=10),
        at: str | None = Parameter(default=None, **_AT),
        start: str | None = Parameter(default=None, query="from", **_FROM),
        end: str | None = Parameter(default=None, query="to", **_TO),
        granularity: str | None = Parameter(default=None, max_length=10),
        metrics: str | None = Parameter(default=None, max_length=1_000),
    ) -> Response[bytes]:
        """A rolling `period` (default 24h) has buckets aligned to the granularity in UTC,
        the last one holding now (default granularity 5m for 1h, 1h for 24h and 7d, 1d for
        30d). A calendar `period` with `at`, or `from`/`to` (`to` exclusive), has buckets from
        its start, the last cut at its end (default 1m up to an hour, 1h up to a week, else
        1d). Only buckets within the metrics retention are answered."""
        moment = now()
        window = resolve(
            period=period,
            at=at,
            start=start,
            end=end,
            now=moment,
            rolling=METRIC_PERIODS,
            default="24h",
        )
        step = _granularity(window, granularity)
        requested = _buckets(window, step, moment)
        names = selection("metrics", metrics, tuple(METRICS), SPEC_METRICS)
        days, since = await _retention(kyros, moment)
        buckets = retained(requested, since)
        series = await in_thread(performance_metrics, kyros.db, buckets, names, since)
        retention = retention_note(days, since, requested.start)
        shown = replace(window, start=requested.start, end=requested.end)
        body = {**_span(shown), "granularity": step, **series, "retention": retention}
        return ok(request, body)

    @get("/costs", operation_id="GetCostAnalysis", guards=[requires("read_costs")])
    async def get_costs(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        period: str | None = Parameter(default=None, max_length=10),
        at: str | None = Parameter(default=None, **_AT),
        start: str | None = Parameter(default=None, query="from", **_FROM),
        end: str | None = Parameter(default=None, query="to", **_TO),
        group_by: str | None = Parameter(default=None, max_length=200),
    ) -> Response[bytes]:
        """A rolling `period` (default 7d) is (now - period, now]; a calendar `period` with
        `at`, or `from`/`to`, is [from, to). Savings re-price every priced attempt at the
        configured escalation model. A period reaching past the metrics retention covers only
        what is retained."""
        moment = now()
        window = resolve(
            period=period,
            at=at,
            start=start,
            end=end,
            now=moment,
            rolling=COST_PERIODS,
            default="7d",
        )
        groups = selection("group_by", group_by, tuple(GROUPS), tuple(GROUPS))
        days, since = await _retention(kyros, moment)
        premium = (await in_thread(get_configuration, kyros.db))["models"]["escalation_model"]
        kept = replace(window, start=max(window.start, since))
        analysis = await in_thread(cost_analysis, kyros.db, kept, groups, kyros.catalog, premium)
        retention = retention_note(days, since, window.start)
        return ok(request, {**_span(window), **analysis, "retention": retention})


async def _retention(kyros: Kyros, at: datetime) -> tuple[int, datetime]:
    """monitoring.metrics_retention_days, and the moment from which facts are retained."""
    days = (await in_thread(get_configuration, kyros.db))["monitoring"]["metrics_retention_days"]
    return days, await in_thread(retained_from, kyros.db, days, at)


def _granularity(window: Window, given: str | None) -> str:
    if given is not None:
        return given
    if window.rolling:
        return DEFAULT_GRANULARITY.get(window.period, "1h")
    return window_granularity(window)


def _buckets(window: Window, step: str, moment: datetime) -> Buckets:
    if window.rolling:
        return metric_buckets(window.period, step, moment)
    return window_buckets(window, step)


def _span(window: Window) -> dict[str, Any]:
    """How an answer names its window: `period`, `at` (a calendar period's name, else
    null), and `from`/`to`, the window's bounds."""
    return {
        "period": window.period,
        "at": window.at,
        "from": iso(window.start),
        "to": iso(window.end),
    }
