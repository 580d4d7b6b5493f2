"""Request-scoped dependencies; authentication attaches here (one place for every route)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from kyros.bootstrap import Kyros
from kyros.http.auth import Principal, principal_of
from kyros.readstore.database import (
    Cursor,
    Database,
    PoolBusy,
    PostgresDatabase,
    Row,
    SqliteDatabase,
)

T = TypeVar("T")


def provide_kyros(state: State) -> Kyros:
    return state.kyros  # type: ignore[no-any-return]


def kyros_of(request: Request[Any, Any, Any]) -> Kyros:
    """What the `kyros` dependency gives, for a hot route that takes no dependency."""
    return provide_kyros(request.app.state)


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return principal_of(request)


def provide_actor(request: Request[Any, Any, Any]) -> str:
    """Who is acting, as events record it: the caller's `user_…` or `key_…` id."""
    return principal_of(request).subject


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """The event store and read models are synchronous; keep them off the event loop."""
    return await anyio.to_thread.run_sync(fn, *args)


async def read_row(db: Database, sql: str, params: Sequence[Any] = ()) -> Row | None:
    """The first row of one read-model statement, read without a worker thread when it can be.
    On SQLite, on the event loop when a pooled connection is idle: a local file in WAL mode,
    where readers never wait on the writer (as the identity watch reads it), costs less to read
    than the hop to a worker thread and back. On PostgreSQL, one round trip on the event loop's
    own connections (kyros.readstore.loop_reads). Else (every SQLite connection lent) on a
    worker thread."""
    if isinstance(db, PostgresDatabase):
        return await db.loop_reads.fetchone(sql, params)
    if isinstance(db, SqliteDatabase):
        try:
            return db.read_one(sql, params)
        except PoolBusy:
            pass
    return await in_thread(_first_row, db, sql, params)


def _first_row(db: Database, sql: str, params: Sequence[Any]) -> Row | None:
    tx: Cursor
    with db.transaction(write=False) as tx:
        return tx.execute(sql, params).fetchone()


DEPENDENCIES = {
    "kyros": Provide(provide_kyros, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
}
