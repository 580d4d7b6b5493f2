"""HTTP request counts and latencies by route template, method and status.

Labelled by the route's template (`/v1/tasks/{task_id}`), never the raw path, so ids and query
strings neither multiply the series nor reach the metrics.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

LABELS = ("method", "route", "status")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "kyros_http_requests", "HTTP requests answered", LABELS, registry=registry
        )
        self.latency = Histogram(
            "kyros_http_request_duration_seconds",
            "Time from receiving a request to finishing its response",
            LABELS,
            buckets=BUCKETS,
            registry=registry,
        )

        # Each label set's two series, found once: `labels()` checks and joins the labels and
        # takes the metric's lock on every call.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            labels = (method, route, str(status))
            series = self._series[key] = (
                self.requests.labels(*labels),
                self.latency.labels(*labels),
            )
        series[0].inc()
        series[1].observe(seconds)
