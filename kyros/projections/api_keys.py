"""The API keys read model: prefix, digest and role per key, for authentication and listings."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.readstore.database import Cursor
from kyros.timefmt import iso

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        key_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_by TEXT,
        revoked_at TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_api_keys_prefix ON rm_api_keys (prefix)",
)


class ApiKeysProjection:
    name = "api_keys"
    consumes = frozenset({"ApiKey.Created", "ApiKey.Revoked"})

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_api_keys")

    def apply(self, tx: Cursor, page: Page) -> None:
        for _, event in page:
            kind = type(event).__qualname__
            if kind == "ApiKey.Created":
                _created(tx, event)
            elif kind == "ApiKey.Revoked":
                _revoked(tx, event)


def _created(tx: Cursor, e: Any) -> None:
    key_id = public_id("key", e.originator_id)
    tx.execute("DELETE FROM rm_api_keys WHERE id = ?", (key_id,))
    tx.execute(
        "INSERT INTO rm_api_keys (id, name, prefix, key_hash, role, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (key_id, e.name, e.prefix, e.key_hash, e.role, e.actor, iso(e.timestamp)),
    )


def _revoked(tx: Cursor, e: Any) -> None:
    tx.execute(
        "UPDATE rm_api_keys SET revoked_by = ?, revoked_at = ? WHERE id = ?",
        (e.actor, iso(e.timestamp), public_id("key", e.originator_id)),
    )
