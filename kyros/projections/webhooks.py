"""The webhooks read model: one row per endpoint as the API shows it (never its secrets)."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps
from kyros.readstore.database import Cursor
from kyros.timefmt import iso

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_webhooks (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        description TEXT NOT NULL,
        status TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        secret_rotated_at TEXT,
        previous_secret_expires_at TEXT,
        disabled_reason TEXT,
        deleted INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_webhooks_created ON rm_webhooks (created_at, id)",
)


class WebhooksProjection:
    name = "webhooks"
    consumes = frozenset(
        {
            "Webhook.Created",
            "Webhook.Updated",
            "Webhook.SecretRotated",
            "Webhook.Disabled",
            "Webhook.Deleted",
        }
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_webhooks")

    def apply(self, tx: Cursor, page: Page) -> None:
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is not None:
                handler(tx, event)
                tx.execute(
                    "UPDATE rm_webhooks SET updated_at = ? WHERE id = ?",
                    (iso(event.timestamp), _id(event)),
                )


def _id(e: Any) -> str:
    return public_id("webhook", e.originator_id)


def _created(tx: Cursor, e: Any) -> None:
    tx.execute("DELETE FROM rm_webhooks WHERE id = ?", (_id(e),))
    tx.execute(
        "INSERT INTO rm_webhooks (id, url, events, description, status, created_by, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
        (
            _id(e),
            e.url,
            dumps(e.events),
            e.description,
            e.actor,
            iso(e.timestamp),
            iso(e.timestamp),
        ),
    )


def _updated(tx: Cursor, e: Any) -> None:
    for name in ("url", "events", "description", "status"):
        if name in e.changes:
            value = e.changes[name]["new"]
            value = dumps(value) if name == "events" else value
            tx.execute(f"UPDATE rm_webhooks SET {name} = ? WHERE id = ?", (value, _id(e)))
    if "status" in e.changes:
        tx.execute("UPDATE rm_webhooks SET disabled_reason = NULL WHERE id = ?", (_id(e),))


def _secret_rotated(tx: Cursor, e: Any) -> None:
    tx.execute(
        "UPDATE rm_webhooks SET secret_rotated_at = ?, previous_secret_expires_at = ? WHERE id = ?",
        (iso(e.timestamp), iso(e.previous_expires_at), _id(e)),
    )


def _disabled(tx: Cursor, e: Any) -> None:
    tx.execute(
        "UPDATE rm_webhooks SET status = 'disabled', disabled_reason = ? WHERE id = ?",
        (e.reason, _id(e)),
    )


def _deleted(tx: Cursor, e: Any) -> None:
    tx.execute("UPDATE rm_webhooks SET deleted = 1 WHERE id = ?", (_id(e),))


_HANDLERS = {
    "Webhook.Created": _created,
    "Webhook.Updated": _updated,
    "Webhook.SecretRotated": _secret_rotated,
    "Webhook.Disabled": _disabled,
    "Webhook.Deleted": _deleted,
}
