"""The chain's own tables, beside the log in the same database (same SQL on both stores)."""

from __future__ import annotations

from kyros.readstore.database import Database

DDL = (
    """
    CREATE TABLE IF NOT EXISTS audit_links (
        position BIGINT PRIMARY KEY,
        entity TEXT NOT NULL,
        version BIGINT NOT NULL,
        topic TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        state_sha256 TEXT NOT NULL,
        link TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS audit_checkpoints (
        sequence BIGINT PRIMARY KEY,
        position BIGINT NOT NULL,
        link TEXT NOT NULL,
        created_at TEXT NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL
    )
    """,
)


def create_tables(db: Database) -> None:
    with db.transaction() as tx:
        for statement in DDL:
            tx.execute(statement)
