"""Single-statement reads of PostgreSQL read models made on the event loop.

A read through the pooled, synchronous connections costs a worker thread four round trips
(the pool's health check, BEGIN, the SELECT, COMMIT), and the thread waits for the GIL after
each: under load a GET held its connection for milliseconds of GIL waits, and the pool's ten
connections bounded GET /v1/tasks/{id} to some 800 req/s. Here one statement is one round trip
on an autocommit connection of the event loop's own (a single SELECT is its own consistent
snapshot, as every statement of a READ COMMITTED transaction is), and no thread takes part.

The connections belong to the event loop that opened them (psycopg's asynchronous connections
wait through it): each loop (a test's portal beside the server's) has its own, closed once a
new loop finds it closed. A connection that failed or whose read was cancelled is closed,
never reused; one that died while idle (the server restarted) is met once, then the read is
repeated on a fresh one, as the pool's check would have done.
Every read is bounded by the database timeout: past it, `StoreUnavailable` (503).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from kyros.connections.unavailable import StoreUnavailable

CONNECTIONS = 2  # reads in flight at once; more wait (a read is one round trip; PostgreSQL
# connections are scarce: every process of every deployment holds its own)
_QMARK = re.compile(r"\?")

Row = dict[str, Any]
Reader = psycopg.AsyncCursor[Row]


class _OnLoop:
    """One event loop's connections: those idle, and the slots of the reads in flight."""

    def __init__(self, connections: int) -> None:
        self.slots = asyncio.Semaphore(connections)
        self.idle: list[Reader] = []  # a cursor per connection: a new one copies its adapters


class LoopReads:
    def __init__(self, url: str, timeout_seconds: float, connections: int = CONNECTIONS) -> None:
        self._url = url
        self._timeout = timeout_seconds
        self._max = connections
        self._loops: dict[asyncio.AbstractEventLoop, _OnLoop] = {}
        self._sql: dict[str, str] = {}  # qmark SQL -> psycopg's
        self._closed = False

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of `sql` (qmark placeholders, as `Database` takes them), or None."""
        loop = asyncio.get_running_loop()
        here = self._loops.get(loop)
        if here is None:
            self._forget_closed_loops()
            here = self._loops[loop] = _OnLoop(self._max)
        query = self._sql.get(sql)
        if query is None:
            query = self._sql[sql] = _QMARK.sub("%s", sql.replace("%", "%%"))
        async with here.slots:
            kept = here.idle.pop() if here.idle else None
            try:
                async with asyncio.timeout(self._timeout):
                    try:
                        reader, row = await self._read(kept, query, params)
                    except psycopg.OperationalError:
                        if kept is None:
                            raise
                        reader, row = await self._read(None, query, params)  # died while idle
            except (TimeoutError, psycopg.Error) as failed:
                raise StoreUnavailable(f"a read-model read failed: {failed}") from None
            if self._closed:
                _finish(reader)
            else:
                here.idle.append(reader)
            return row

    async def _read(
        self, reader: Reader | None, query: str, params: Sequence[Any]
    ) -> tuple[Reader, Row | None]:
        """Closes the connection it used unless the read completed."""
        if reader is None:
            conn = await psycopg.AsyncConnection.connect(
                self._url,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=max(2, math.ceil(self._timeout)),
            )
            reader = conn.cursor()
        try:
            await reader.execute(query, params)
            return reader, await reader.fetchone()
        except BaseException:
            _finish(reader)
            raise

    def close(self) -> None:
        """Closes the idle connections, and each one in use when its read ends."""
        self._closed = True
        for here in list(self._loops.values()):
            _close_idle(here)

    def _forget_closed_loops(self) -> None:
        for loop in [loop for loop in self._loops if loop.is_closed()]:
            _close_idle(self._loops.pop(loop))


def _close_idle(here: _OnLoop) -> None:
    idle, here.idle = here.idle, []
    for reader in idle:
        _finish(reader)


def _finish(reader: Reader) -> None:
    """What `AsyncConnection.close` does, without awaiting: it has nothing to wait for."""
    with contextlib.suppress(Exception):
        reader.connection.pgconn.finish()
