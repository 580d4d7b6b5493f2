"""The webhooks read model: one row per endpoint as the API shows it (never its secrets)."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps
from kyros.projections.rowset import RowSet
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
        """Folds the page into the endpoints it touches (one SELECT), writes each once."""
        handled = [
            (handler, event, _id(event))
            for _, event in page
            if (handler := _HANDLERS.get(type(event).__qualname__)) is not None
        ]
        if not handled:
            return
        rows = RowSet("rm_webhooks", "id", _COLUMNS)
        rows.load(tx, [webhook_id for h, _, webhook_id in handled if h is not _created])
        for handler, event, webhook_id in handled:
            if handler is _created:
                rows.put(_created(event, webhook_id))
            elif (row := rows.get(webhook_id)) is not None:
                handler(row, event)
                row["updated_at"] = iso(event.timestamp)
        rows.flush(tx)


_COLUMNS = (
    "id",
    "url",
    "events",
    "description",
    "status",
    "created_by",
    "created_at",
    "updated_at",
    "secret_rotated_at",
    "previous_secret_expires_at",
    "disabled_reason",
    "deleted",
)


def _id(e: Any) -> str:
    return public_id("webhook", e.originator_id)


def _created(e: Any, webhook_id: str) -> dict[str, Any]:
    row = dict.fromkeys(_COLUMNS)
    row.update(
        id=webhook_id,
        url=e.url,
        events=dumps(e.events),
        description=e.description,
        status="active",
        created_by=e.actor,
        created_at=iso(e.timestamp),
        updated_at=iso(e.timestamp),
        deleted=0,
    )
    return row


def _updated(row: dict[str, Any], e: Any) -> None:
    for name in ("url", "events", "description", "status"):
        if name in e.changes:
            value = e.changes[name]["new"]
            row[name] = dumps(value) if name == "events" else value
    if "status" in e.changes:
        row["disabled_reason"] = None


def _secret_rotated(row: dict[str, Any], e: Any) -> None:
    row.update(
        secret_rotated_at=iso(e.timestamp), previous_secret_expires_at=iso(e.previous_expires_at)
    )


def _disabled(row: dict[str, Any], e: Any) -> None:
    row.update(status="disabled", disabled_reason=e.reason)


def _deleted(row: dict[str, Any], e: Any) -> None:
    row["deleted"] = 1


_HANDLERS: dict[str, Any] = {
    "Webhook.Created": _created,
    "Webhook.Updated": _updated,
    "Webhook.SecretRotated": _secret_rotated,
    "Webhook.Disabled": _disabled,
    "Webhook.Deleted": _deleted,
}
