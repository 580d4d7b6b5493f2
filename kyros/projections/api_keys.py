"""The API keys read model: prefix, digest and role per key, for authentication and listings."""

from __future__ import annotations

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.rowset import RowSet
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
        """Folds the page into the keys it touches (one SELECT), writes each once."""
        handled = [
            (kind, event, public_id("key", event.originator_id))
            for _, event in page
            if (kind := type(event).__qualname__) in ("ApiKey.Created", "ApiKey.Revoked")
        ]
        if not handled:
            return
        rows = RowSet("rm_api_keys", "id", _COLUMNS)
        rows.load(tx, [key_id for kind, _, key_id in handled if kind == "ApiKey.Revoked"])
        for kind, e, key_id in handled:
            if kind == "ApiKey.Created":
                rows.put(
                    {
                        "id": key_id,
                        "name": e.name,
                        "prefix": e.prefix,
                        "key_hash": e.key_hash,
                        "role": e.role,
                        "created_by": e.actor,
                        "created_at": iso(e.timestamp),
                        "revoked_by": None,
                        "revoked_at": None,
                    }
                )
            elif (row := rows.get(key_id)) is not None:
                row.update(revoked_by=e.actor, revoked_at=iso(e.timestamp))
        rows.flush(tx)


_COLUMNS = (
    "id",
    "name",
    "prefix",
    "key_hash",
    "role",
    "created_by",
    "created_at",
    "revoked_by",
    "revoked_at",
)
