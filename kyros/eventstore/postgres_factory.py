"""The event store library's PostgreSQL factory, with Kyros's bounded connection pool."""

from __future__ import annotations

import math
from typing import Any

from eventsourcing.postgres import PostgresFactory

from kyros.connections.bounded_pool import BoundedPool
from kyros.eventstore.postgres_recorder import OneTripRecorder

TIMEOUT_KEY = "KYROS_DATABASE_TIMEOUT_SECONDS"


class BoundedPostgresFactory(PostgresFactory):
    """Records with `OneTripRecorder`, and swaps the recorder's pool (built closed, so nothing
    is open yet) for a `BoundedPool`.

    The library bounds only the checkout; a statement to a server that stopped answering
    would wait for ever, and each failure is retried ten times.
    """

    application_recorder_class = OneTripRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        seconds = float(self.env.get(TIMEOUT_KEY) or 5)
        old = self.datastore.pool
        self.datastore.pool = BoundedPool(
            connection_class=old.connection_class,
            kwargs={**(old.kwargs or {}), "connect_timeout": max(2, math.ceil(seconds))},
            min_size=old.min_size,
            max_size=old.max_size,
            open=False,
            configure=self.datastore.after_connect_func(),
            timeout=seconds,
            max_waiting=old.max_waiting,
            max_lifetime=old.max_lifetime,
            name="kyros-event-store",
            use_seconds=seconds,
        )
