"""Request-scoped dependencies; authentication attaches here (one place for every route)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from kyros.bootstrap import Kyros
from kyros.http.auth import Principal, principal_of
from kyros.readstore.database import Cursor, Database, PoolBusy, SqliteDatabase

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


async def read_now(db: Database, read: Callable[..., T], *args: Any) -> T:
    """`read(tx, *args)` in a read transaction. A short read of SQLite runs on the event loop
    when a pooled connection is idle: a local file in WAL mode, where readers never wait on the
    writer (as the identity watch reads it), costs less to read than the hop to a worker thread
    and back. Otherwise (PostgreSQL's network round trip, or every connection lent) it runs on
    a worker thread."""
    if isinstance(db, SqliteDatabase):
        try:
            with db.transaction(write=False, wait=False) as tx:
                return read(tx, *args)
        except PoolBusy:
            pass
    return await in_thread(_in_transaction, db, read, *args)


def _in_transaction(db: Database, read: Callable[..., T], *args: Any) -> T:
    tx: Cursor
    with db.transaction(write=False) as tx:
        return read(tx, *args)


DEPENDENCIES = {
    "kyros": Provide(provide_kyros, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
}
