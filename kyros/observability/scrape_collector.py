"""Figures collected when Prometheus scrapes: the log, read models, workers, models, webhooks.

Model and webhook totals come from read models, so they are the cluster's and survive
restarts; event appends and worker states are this process's own.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kyros.bootstrap import Kyros
from kyros.observability.health_report import background_components
from kyros.queries.prometheus import model_usage_totals, webhook_delivery_totals


class KyrosCollector(Collector):
    def __init__(self, kyros: Kyros) -> None:
        self.kyros = kyros

    def collect(self) -> Iterator[Metric]:
        yield from self._log()
        yield from self._workers()
        yield from self._models()
        yield from self._webhooks()

    def _log(self) -> Iterator[Metric]:
        appended = CounterMetricFamily(
            "kyros_events_appended",
            "Events this process appended to the log since it started, by event type",
            labels=["event_type"],
        )
        for event_type, count in sorted(self.kyros.app.appended_by_type().items()):
            appended.add_metric([event_type], count)
        yield appended
        head = self.kyros.app.head()
        yield GaugeMetricFamily("kyros_log_head_position", "Position of the log's last event", head)
        position = GaugeMetricFamily(
            "kyros_projection_position",
            "Log position a read model has applied",
            labels=["projection"],
        )
        lag = GaugeMetricFamily(
            "kyros_projection_lag_events",
            "Events appended to the log that a read model has not applied yet",
            labels=["projection"],
        )
        for name, at in sorted(self.kyros.engine.positions().items()):
            position.add_metric([name], at)
            lag.add_metric([name], max(head - at, 0))
        yield position
        yield lag

    def _workers(self) -> Iterator[Metric]:
        running = GaugeMetricFamily(
            "kyros_worker_running",
            "1 while this process's background worker runs",
            labels=["worker"],
        )
        leader = GaugeMetricFamily(
            "kyros_worker_leader",
            "1 while the worker holds its cluster-wide lease",
            labels=["worker"],
        )
        restarts = CounterMetricFamily(
            "kyros_worker_restarts", "Crashes the worker was restarted after", labels=["worker"]
        )
        states = [*self.kyros.projections.states, *background_components(self.kyros).values()]
        for state in states:
            running.add_metric([state.name], int(state.running))
            leader.add_metric([state.name], int(state.leader))
            restarts.add_metric([state.name], state.restarts)
        yield from (running, leader, restarts)

    def _models(self) -> Iterator[Metric]:
        labels = ["model", "outcome"]
        calls = CounterMetricFamily(
            "kyros_model_calls", "Finished model attempts of routed work", labels=labels
        )
        tokens = CounterMetricFamily(
            "kyros_model_tokens",
            "Tokens reported by finished attempts; kind is input, output or cached (cached input"
            " is part of input)",
            labels=[*labels, "kind"],
        )
        cost = CounterMetricFamily(
            "kyros_model_cost_usd",
            "Cost of finished attempts as priced at completion",
            labels=labels,
        )
        for row in model_usage_totals(self.kyros.db):
            key = [row["model"], row["outcome"]]
            calls.add_metric(key, row["calls"])
            for kind, count in row["tokens"].items():
                tokens.add_metric([*key, kind], count)
            cost.add_metric(key, float(row["cost"]))  # exact: at most 15 significant digits
        yield from (calls, tokens, cost)

    def _webhooks(self) -> Iterator[Metric]:
        totals = webhook_delivery_totals(self.kyros.db)
        deliveries = GaugeMetricFamily(
            "kyros_webhook_deliveries",
            "Webhook deliveries by status: pending, delivered, failed or cancelled",
            labels=["status"],
        )
        for status in ("pending", "delivered", "failed", "cancelled"):
            deliveries.add_metric([status], totals["deliveries"].get(status, 0))
        attempts = CounterMetricFamily(
            "kyros_webhook_delivery_attempts",
            "Webhook delivery attempts by result: success (a 2xx answer) or failure",
            labels=["result"],
        )
        for result in ("success", "failure"):
            attempts.add_metric([result], totals["attempts"].get(result, 0))
        yield from (deliveries, attempts)
