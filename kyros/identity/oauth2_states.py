"""Single-use OAuth2 login states (with their PKCE verifier and nonce), in memory or in SQL."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Protocol

import msgspec

from kyros.readstore.database import Database
from kyros.timefmt import from_sortable, sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS oauth2_states (
        state TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS oauth2_states_expiry ON oauth2_states (expires_at)",
)


class StateEntry(msgspec.Struct, frozen=True, kw_only=True):
    state: str
    provider: str
    code_verifier: str
    nonce: str  # "" when the provider issues no ID token
    expires_at: datetime

    def __repr__(self) -> str:
        return f"StateEntry(provider={self.provider!r}, expires_at={self.expires_at!r})"


class StateStore(Protocol):
    def put(
        self, state: str, provider: str, verifier: str, nonce: str, expires_at: datetime
    ) -> None: ...

    def take(self, state: str) -> StateEntry | None:
        """Removes and returns the entry, expired or not: a state is never accepted twice."""
        ...

    def purge_expired(self, now: datetime) -> int: ...


class MemoryStateStore:
    """For tests and single-process development; states vanish on restart."""

    def __init__(self) -> None:
        self._entries: dict[str, StateEntry] = {}
        self._lock = threading.Lock()

    def put(
        self, state: str, provider: str, verifier: str, nonce: str, expires_at: datetime
    ) -> None:
        entry = StateEntry(
            state=state,
            provider=provider,
            code_verifier=verifier,
            nonce=nonce,
            expires_at=expires_at,
        )
        with self._lock:
            self._entries[state] = entry

    def take(self, state: str) -> StateEntry | None:
        with self._lock:
            return self._entries.pop(state, None)

    def purge_expired(self, now: datetime) -> int:
        with self._lock:
            expired = [k for k, e in self._entries.items() if e.expires_at <= now]
            for key in expired:
                del self._entries[key]
        return len(expired)


class SqlStateStore:
    """Shared by every process on one database; `take` is one DELETE … RETURNING, so exactly
    one of two concurrent callbacks with the same state gets the entry."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self) -> None:
        with self._db.transaction() as tx:
            for statement in DDL:
                tx.execute(statement)

    def put(
        self, state: str, provider: str, verifier: str, nonce: str, expires_at: datetime
    ) -> None:
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO oauth2_states (state, provider, code_verifier, nonce, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (state, provider, verifier, nonce, sortable(expires_at)),
            )

    def take(self, state: str) -> StateEntry | None:
        with self._db.transaction() as tx:
            row = tx.execute(
                "DELETE FROM oauth2_states WHERE state = ?"
                " RETURNING state, provider, code_verifier, nonce, expires_at",
                (state,),
            ).fetchone()
        if row is None:
            return None
        return StateEntry(
            state=row["state"],
            provider=row["provider"],
            code_verifier=row["code_verifier"],
            nonce=row["nonce"],
            expires_at=from_sortable(row["expires_at"]),
        )

    def purge_expired(self, now: datetime) -> int:
        with self._db.transaction() as tx:
            return tx.execute(
                "DELETE FROM oauth2_states WHERE expires_at <= ?", (sortable(now),)
            ).rowcount
