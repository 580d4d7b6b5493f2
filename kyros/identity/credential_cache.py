"""Authentication decisions kept in memory, dropped as soon as the log says they may be wrong.

A decision (this credential is this holder, with these roles) is cached with the generation of
the `IdentityWatch` it was made under. Before a request uses a cached decision, the watch looks
at the log — the shared store, so another process's changes count — in a look that began after
the request arrived; an event that could turn a cached yes into a no (a key or a session
revoked, a role granted or revoked, a user disabled) moves the generation on, and every decision
made under an older generation is void. So a change committed before a request arrived decides
that request, in every process, as it did when every request read the store.

One look serves every request that arrived before it began: under load, a look costs one
indexed range read of the events appended since the last look, shared by all the requests
waiting, instead of one credential query per request. No look takes a worker thread: on SQLite
it is a read of a local file in WAL mode (readers never wait on the writer), made on the event
loop; on PostgreSQL it goes through an asynchronous connection of its own, bounded by the
database timeout (a store that does not answer in time is `StoreUnavailable`: 503).

It relies on what `logged_past` relies on: the log's positions become visible in order (the
stores append under one lock), so a look that saw position p has seen everything up to p.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

import anyio
import psycopg
from eventsourcing.utils import get_topic
from psycopg.rows import dict_row

from kyros.connections.unavailable import StoreUnavailable
from kyros.domain.api_key import ApiKey
from kyros.domain.token_family import TokenFamily
from kyros.domain.user import User
from kyros.eventstore.log_sql import changes_past, head
from kyros.readstore.database import Database

# The events that can make a cached "yes" wrong. Creations, logins, rotations and enabling a
# user can only turn a "no" into a "yes", and refusals are never cached.
VOIDING_EVENTS = (
    ApiKey.Revoked,
    User.RoleGranted,
    User.RoleRevoked,
    User.Disabled,
    TokenFamily.Revoked,
)
MAX_ENTRIES = 10_000

T = TypeVar("T")


class IdentityWatch:
    """The generation of identity facts: it moves on whenever the log gains a voiding event."""

    def __init__(
        self,
        db: Database,
        database_url: str | None = None,
        timeout_seconds: float = 5.0,
        topics: Sequence[str] | None = None,
    ) -> None:
        kinds = topics if topics is not None else [get_topic(e) for e in VOIDING_EVENTS]
        self._db = db
        self._sql, self._params = changes_past(db.dialect, kinds)
        self._url = database_url if db.dialect == "postgres" else None
        self._timeout = timeout_seconds
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._local: sqlite3.Connection | None = None
        self.generation = 0
        self._seen = self._head()  # what happened before this watch voids nothing of it
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: asyncio.Future[int] | None = None  # the requests the next look serves
        self._looking: asyncio.Task[None] | None = None

    async def current(self) -> int:
        """The generation after a look at the log that began after this call."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test's portal): start afresh
            self._loop, self._waiting, self._looking = loop, None, None
            self._connection = None
        if self._waiting is None:
            self._waiting = loop.create_future()
            self._waiting.add_done_callback(_retrieve)
            if self._looking is None:
                self._looking = loop.create_task(self._look_while_asked())
        return await asyncio.shield(self._waiting)

    async def _look_while_asked(self) -> None:
        try:
            while self._waiting is not None:
                waiting, self._waiting = self._waiting, None  # those who came before this look
                try:
                    await self._look()
                except Exception as failed:  # the store is down: these requests fail as before
                    if not waiting.done():
                        waiting.set_exception(failed)
                    continue
                if not waiting.done():
                    waiting.set_result(self.generation)
        finally:
            self._looking = None

    async def _look(self) -> None:
        row: Mapping[str, Any] | sqlite3.Row | None
        if self._url is None:
            row = self._look_locally()
        else:
            row = await self._look_remotely()
        if row is None or row["head"] is None:
            return
        if row["changed"] is not None:
            self.generation += 1
        self._seen = int(row["head"])

    def _look_locally(self) -> sqlite3.Row | None:
        """On a connection of the watch's own: waiting for one of the pool's would stall the
        event loop whenever worker threads hold them all."""
        if self._local is None:
            self._local = sqlite3.connect(
                getattr(self._db, "path", ""), isolation_level=None, check_same_thread=False
            )
            self._local.row_factory = sqlite3.Row
            self._local.execute(f"PRAGMA busy_timeout={max(1, round(self._timeout * 1000))}")
        row: sqlite3.Row | None = self._local.execute(
            self._sql, self._params(self._seen)
        ).fetchone()
        return row

    async def _look_remotely(self) -> dict[str, Any] | None:
        try:
            with anyio.fail_after(self._timeout):
                kept = self._connection is not None and not self._connection.closed
                try:
                    return await self._query()
                except psycopg.OperationalError:
                    if not kept:
                        raise
                    # The kept connection died while idle (the server restarted or dropped
                    # it): the read is harmless to repeat, so once more on a fresh one.
                    await self._drop()
                    return await self._query()
        except (TimeoutError, psycopg.Error) as failed:
            await self._drop()
            raise StoreUnavailable(f"the identity watch could not read the log: {failed}") from None

    async def _query(self) -> dict[str, Any] | None:
        if self._connection is None or self._connection.closed:
            self._connection = await psycopg.AsyncConnection.connect(
                self._url or "", autocommit=True, row_factory=dict_row
            )
        # Never prepared: a generic plan cannot see that the range past `_seen` is short.
        cursor = await self._connection.execute(
            self._sql.replace("?", "%s"), self._params(self._seen), prepare=False
        )
        return await cursor.fetchone()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def aclose(self) -> None:
        """Closes the watch's own connection (a later look opens it again)."""
        local, self._local = self._local, None
        if local is not None:
            local.close()
        await self._drop()

    def _head(self) -> int:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(head(self._db.dialect)).fetchone()
        return int(row["head"]) if row and row["head"] is not None else 0


def _retrieve(future: asyncio.Future[int]) -> None:
    """A failed look whose every waiter was cancelled must not warn of an unread exception."""
    if not future.cancelled():
        future.exception()


class _Entry(NamedTuple, Generic[T]):
    generation: int
    value: T
    expires_at: float | None  # Unix time; None for a credential that does not expire


class CredentialCache(Generic[T]):
    """Decisions by credential digest (never the credential itself), bounded in size."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: dict[str, _Entry[T]] = {}
        self._max = max_entries

    def get(self, credential: str, generation: int) -> T | None:
        key = digest(credential)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.generation != generation or (
            entry.expires_at is not None and time.time() >= entry.expires_at
        ):
            del self._entries[key]
            return None
        return entry.value

    def put(self, credential: str, value: T, generation: int, expires_at: float | None) -> None:
        if len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]  # the oldest decision goes first
        self._entries[digest(credential)] = _Entry(generation, value, expires_at)


def digest(credential: str) -> str:
    return hashlib.sha256(credential.encode("utf-8", "surrogatepass")).hexdigest()
