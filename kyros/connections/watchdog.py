"""Bounds how long a database connection may be busy, whatever the network does."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.1


class Guard:
    """One bounded use of a connection; `fired` tells whether the watchdog cut it."""

    __slots__ = ("conn", "deadline", "fired")

    def __init__(self, conn: Any, deadline: float) -> None:
        self.conn = conn
        self.deadline = deadline
        self.fired = False


class Watchdog:
    """Shuts down the socket of a psycopg connection still busy past its deadline.

    A server that stops answering (frozen, partitioned behind a proxy that keeps the socket
    open) never trips TCP keep-alives or a server-side statement_timeout, and psycopg has no
    client-side one: the waiting thread would block for ever. Shutting the socket down wakes
    it with a lost-connection error, and the pool then discards the connection.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._guards: set[Guard] = set()
        self._thread: threading.Thread | None = None

    @contextmanager
    def guard(self, conn: Any, seconds: float) -> Iterator[Guard]:
        guard = Guard(conn, time.monotonic() + seconds)
        with self._lock:
            self._guards.add(guard)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
        try:
            yield guard
        finally:
            with self._lock:
                self._guards.discard(guard)

    def _run(self) -> None:
        while True:
            time.sleep(_POLL_SECONDS)
            now = time.monotonic()
            with self._lock:
                overdue = [g for g in self._guards if not g.fired and g.deadline <= now]
                for guard in overdue:
                    guard.fired = True
            for guard in overdue:
                _cut(guard.conn)


def _cut(conn: Any) -> None:
    try:
        fd = conn.pgconn.socket
    except Exception:  # already closed: nothing is waiting on it
        return
    log.warning("a database connection was busy past its bound; cutting it")
    with socket.socket(fileno=os.dup(fd)) as sock, suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


WATCHDOG = Watchdog()
