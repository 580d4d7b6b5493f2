"""Times a read-model query on demand and keeps the latest timings, for the health report."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

from kyros.readstore.database import Database

log = logging.getLogger(__name__)

WINDOW = 20  # probes the average and the slow count are taken over
SLOW_QUERY_MS = 100.0


class DatabaseProbe:
    """Each check runs one real query (the tracking positions every read model keeps)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._timings: deque[float] = deque(maxlen=WINDOW)
        self._lock = threading.Lock()

    def check(self) -> dict[str, Any]:
        """The database section of the health report; `status` is unhealthy if the query fails."""
        backend = "postgresql" if self.db.dialect == "postgres" else "sqlite"
        started = time.perf_counter()
        try:
            with self.db.transaction(write=False) as tx:
                tx.execute("SELECT COUNT(*) AS n FROM projection_positions").fetchone()
        except Exception as error:
            log.warning("database health probe failed: %s", type(error).__name__)
            return {"status": "unhealthy", "backend": backend, "error": type(error).__name__}
        elapsed = (time.perf_counter() - started) * 1000
        with self._lock:
            self._timings.append(elapsed)
            timings = list(self._timings)
        return {
            "status": "healthy",
            "backend": backend,
            "connection_pool": self.db.connection_stats(),
            "query_performance": {
                "average_time": round(sum(timings) / len(timings), 2),
                "last_time": round(elapsed, 2),
                "slow_queries": sum(1 for t in timings if t > SLOW_QUERY_MS),
                "slow_query_ms": SLOW_QUERY_MS,
                "window": len(timings),
            },
        }


def ping(db: Database) -> None:
    """Readiness: the database answers the cheapest query (raises when it does not)."""
    with db.transaction(write=False) as tx:
        tx.execute("SELECT 1")
