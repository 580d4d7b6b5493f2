"""A psycopg connection pool whose every wait is bounded: checkout, health check and each use."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.postgres import ConnectionPool
from psycopg.pq import TransactionStatus
from psycopg_pool import PoolTimeout, TooManyRequests

from kyros.connections.unavailable import StoreUnavailable
from kyros.connections.watchdog import WATCHDOG


class BoundedPool(ConnectionPool[Any]):
    """Checks a pooled connection before lending it, and cuts one kept busy past `use_seconds`.

    The check replaces a connection that died while idle — a server restart, a terminated
    backend — before a request meets it. A server that closes a connection says so first (an
    error, then end of file): an idle connection with nothing to read is lent as it is, with no
    round trip (a write is one round trip: this would be a second); only one with something to
    read is sent an empty query. A server gone silent is met by the watchdog, in the check or
    in the use. One found dead sends every idle one through the check at once: the pool sleeps
    a growing backoff (1 s, 2 s, …) between failed checks, so a borrower meeting the dead one
    by one would run out of time. Failures past a bound surface as `StoreUnavailable`, which
    the event store library does not retry.
    """

    def __init__(self, conninfo: str = "", *, use_seconds: float, **kwargs: Any) -> None:
        self.use_seconds = use_seconds

        def check(conn: psycopg.Connection[Any]) -> None:
            if _quiet(conn):
                return
            with WATCHDOG.guard(conn, use_seconds) as guard:
                try:
                    ConnectionPool.check_connection(conn)
                except psycopg.OperationalError:
                    if not guard.fired:  # the server closed it: it closed its siblings too
                        self.check()
                    raise

        super().__init__(conninfo, check=check, **kwargs)

    def _get_ready_connection(self, timeout: float | None) -> Any:
        """The connection returned last, not the one idle longest: psycopg's pool lends them
        in turn, so a lone caller woke a different sleeping server process for every
        statement (one caller's append 389 -> 332 us, scripts/bench_append_split.py). The
        ones idle longest stay at the far end, where the pool shrinks from."""
        if self._pool and (timeout is None or timeout > 0):
            conn = self._pool.pop()
            self._nconns_min = min(self._nconns_min, len(self._pool))
            return conn
        return super()._get_ready_connection(timeout)

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Any]:
        try:
            with super().connection(timeout) as conn, WATCHDOG.guard(conn, self.use_seconds) as g:
                try:
                    yield conn
                except psycopg.Error as exc:
                    if g.fired:
                        raise StoreUnavailable(
                            f"the database did not answer within {self.use_seconds:g} s"
                        ) from exc
                    raise
        except (PoolTimeout, TooManyRequests) as exc:
            raise StoreUnavailable(f"no database connection available: {exc}") from exc


def _quiet(conn: psycopg.Connection[Any]) -> bool:
    """True if `conn` is idle and nothing arrived on it since its last use."""
    if conn.pgconn.transaction_status != TransactionStatus.IDLE:
        return False
    try:
        fd = conn.pgconn.socket
    except psycopg.OperationalError:  # closed
        return False
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return not poll.poll(0)
