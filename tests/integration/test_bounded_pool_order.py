"""The event store's pool lends the connection returned last: a lone caller keeps one warm
server process instead of waking each pooled one in turn."""

from __future__ import annotations

import pytest

from kyros.connections.bounded_pool import BoundedPool

pytestmark = pytest.mark.postgres


def test_a_lone_caller_reuses_the_connection_it_returned(postgres_database: str) -> None:
    pool = BoundedPool(postgres_database, min_size=4, max_size=4, use_seconds=5, open=False)
    pool.open(wait=True, timeout=10)
    try:
        backends = set()
        for _ in range(20):
            with pool.connection(timeout=5) as conn:
                backends.add(conn.pgconn.backend_pid)
        assert len(backends) == 1, backends
        with pool.connection(timeout=5) as first, pool.connection(timeout=5) as second:
            assert first.pgconn.backend_pid != second.pgconn.backend_pid  # both still lent
    finally:
        pool.close()
