"""One app's monitoring state: its start, its Prometheus registry and its database probe.

Per app, not global, so that several apps in one process (tests) keep separate figures.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from kyros.bootstrap import Kyros
from kyros.observability.database_probe import DatabaseProbe
from kyros.observability.health_report import ApiClock
from kyros.observability.http_metrics import HttpMetrics
from kyros.observability.scrape_collector import KyrosCollector


class AppMonitor:
    def __init__(self, kyros: Kyros) -> None:
        self.clock = ApiClock()
        self.database = DatabaseProbe(kyros.db)
        self.registry = CollectorRegistry()
        self.http = HttpMetrics(self.registry)
        self.registry.register(KyrosCollector(kyros))
