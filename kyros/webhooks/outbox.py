"""The webhook outbox: a projection that writes one delivery row per (event, subscribed endpoint).

Rows and the tracking position commit together (the projection engine), so every event is
enqueued exactly once even if the process dies between append and delivery. The endpoint
subscriptions it matches against are its own table, kept at its own position in the log, so a
replay matches each event against the endpoints as they were when it happened.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ulid import ULID

from kyros.domain.webhook import TEST_EVENT_TYPE
from kyros.fanout.changes import CHANGES
from kyros.fanout.event_types import CATALOG, publish
from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps, loads
from kyros.readstore.database import Cursor
from kyros.timefmt import iso, now, sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS webhook_endpoints (
        webhook_id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        status TEXT NOT NULL,
        sealed_secret TEXT NOT NULL,
        previous_sealed_secret TEXT,
        previous_expires_at TEXT
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS webhook_deliveries (
        id TEXT PRIMARY KEY,
        webhook_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        position BIGINT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        next_attempt_at TEXT,
        last_attempt_at TEXT,
        last_status_code INTEGER,
        last_error TEXT,
        completed_at TEXT,
        redelivery_of TEXT,
        requested_by TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_due"
    " ON webhook_deliveries (status, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_hook"
    " ON webhook_deliveries (webhook_id, created_at)",
    """
    CREATE TABLE IF NOT EXISTS webhook_attempts (
        delivery_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        webhook_id TEXT NOT NULL,
        started_at TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        status_code INTEGER,
        error TEXT,
        response_body TEXT,
        response_truncated INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
    )
    """,
    "CREATE INDEX IF NOT EXISTS webhook_attempts_hook ON webhook_attempts (webhook_id, started_at)",
)
_INSERT = (
    "INSERT INTO webhook_deliveries (id, webhook_id, message_id, event_type, position, payload,"
    " status, attempts, created_at, next_attempt_at, redelivery_of, requested_by)"
    " VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
)


class WebhookOutboxProjection:
    """Rebuilding it re-derives the same delivery ids, so nothing already enqueued is resent;
    `clear` therefore keeps deliveries and attempts, and empties only the subscriptions."""

    name = "webhook_outbox"
    consumes = frozenset(
        {
            "Webhook.Created",
            "Webhook.Updated",
            "Webhook.SecretRotated",
            "Webhook.Disabled",
            "Webhook.Deleted",
            "Webhook.TestRequested",
            "Webhook.RedeliveryRequested",
            "Task.Created",
            "Task.Updated",
            "Task.Submitted",
            "Task.DependenciesMet",
            "Task.Requeued",
            "Task.Assigned",
            "Task.ProgressReported",
            "Task.Completed",
            "Task.Failed",
            "Task.Cancelled",
            "Escalation.Submitted",
            "Escalation.AutoApproved",
            "Escalation.Approved",
            "Escalation.Rejected",
            "Escalation.Expired",
            "Escalation.Withdrawn",
            "Escalation.Completed",
            "Alert.Raised",
            "Alert.Acknowledged",
            "Alert.Resolved",
        }
    ) | frozenset(CHANGES)

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM webhook_endpoints")

    def apply(self, tx: Cursor, page: Page) -> None:
        endpoints: dict[str, set[str]] | None = None
        rows: list[tuple[Any, ...]] = []
        for position, event in page:
            kind = type(event).__qualname__
            if kind.startswith("Webhook."):
                _insert(tx, rows)
                _HANDLERS.get(kind, _ignore)(tx, position, event)
                endpoints = None
                if kind not in CATALOG:
                    continue  # a change of a webhook is also published (after it applies)
            route = CATALOG.get(kind)
            if route is None or route.hook_type is None:
                continue
            if endpoints is None:
                endpoints = _subscriptions(tx)
            if not any(route.hook_type in wanted for wanted in endpoints.values()):
                continue  # nobody subscribes: not worth building its payload
            published = publish(event)
            if published is None or published.hook_type is None:
                continue
            body = {
                "type": published.hook_type,
                "timestamp": published.timestamp,
                "position": position,
                "data": published.data,
            }
            for webhook_id, wanted in endpoints.items():
                if published.hook_type in wanted:
                    delivery = delivery_ulid(event, position, webhook_id)
                    rows.append(_row(delivery, webhook_id, published.hook_type, position, body))
        _insert(tx, rows)


def delivery_ulid(event: Any, position: int, webhook_id: str) -> ULID:
    """Deterministic (a replay derives the same id) and sortable by the event's time."""
    millis = int(event.timestamp.timestamp() * 1000)
    digest = hashlib.sha256(f"{position}:{webhook_id}".encode()).digest()
    return ULID.from_bytes(millis.to_bytes(6, "big") + digest[:10])


def _row(
    ulid: ULID,
    webhook_id: str,
    event_type: str,
    position: int,
    body: dict[str, Any],
    redelivery_of: str | None = None,
    requested_by: str | None = None,
) -> tuple[Any, ...]:
    moment = sortable(now())
    text = str(ulid)
    return (
        f"dlv_{text}",
        webhook_id,
        f"msg_{text}",
        event_type,
        position,
        dumps(body),
        moment,
        moment,
        redelivery_of,
        requested_by,
    )


def _insert(tx: Cursor, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        tx.executemany(_INSERT, rows)
        rows.clear()


def _subscriptions(tx: Cursor) -> dict[str, set[str]]:
    found = tx.execute(
        "SELECT webhook_id, events FROM webhook_endpoints WHERE status = 'active'"
    ).fetchall()
    return {r["webhook_id"]: set(loads(r["events"])) for r in found}


def _id(e: Any) -> str:
    return public_id("webhook", e.originator_id)


def _created(tx: Cursor, position: int, e: Any) -> None:
    tx.execute("DELETE FROM webhook_endpoints WHERE webhook_id = ?", (_id(e),))
    tx.execute(
        "INSERT INTO webhook_endpoints (webhook_id, url, events, status, sealed_secret)"
        " VALUES (?, ?, ?, 'active', ?)",
        (_id(e), e.url, dumps(e.events), e.sealed_secret),
    )


def _updated(tx: Cursor, position: int, e: Any) -> None:
    for name in ("url", "events", "status"):
        if name in e.changes:
            value = e.changes[name]["new"]
            value = dumps(value) if name == "events" else value
            tx.execute(
                f"UPDATE webhook_endpoints SET {name} = ? WHERE webhook_id = ?", (value, _id(e))
            )


def _secret_rotated(tx: Cursor, position: int, e: Any) -> None:
    tx.execute(
        "UPDATE webhook_endpoints SET sealed_secret = ?, previous_sealed_secret = ?,"
        " previous_expires_at = ? WHERE webhook_id = ?",
        (e.sealed_secret, e.previous_sealed_secret, sortable(e.previous_expires_at), _id(e)),
    )


def _status(status: str) -> Any:
    def handler(tx: Cursor, position: int, e: Any) -> None:
        tx.execute("UPDATE webhook_endpoints SET status = ? WHERE webhook_id = ?", (status, _id(e)))

    return handler


def _test_requested(tx: Cursor, position: int, e: Any) -> None:
    ulid = ULID.from_str(e.delivery_id.removeprefix("dlv_"))
    data = {"webhook_id": _id(e), "message": "A test delivery from Kyros", "requested_by": e.actor}
    body = {"type": TEST_EVENT_TYPE, "timestamp": iso(e.timestamp), "position": position}
    row = _row(ulid, _id(e), TEST_EVENT_TYPE, position, {**body, "data": data}, None, e.actor)
    _insert(tx, [row])


def _redelivery_requested(tx: Cursor, position: int, e: Any) -> None:
    original = tx.execute(
        "SELECT message_id, event_type, position, payload FROM webhook_deliveries WHERE id = ?",
        (e.delivery_id,),
    ).fetchone()
    if original is None:  # the command checked it exists; never expected
        return
    moment = sortable(now())
    tx.execute(
        _INSERT,
        (
            e.redelivery_id,
            _id(e),
            original["message_id"],
            original["event_type"],
            original["position"],
            original["payload"],
            moment,
            moment,
            e.delivery_id,
            e.actor,
        ),
    )


def _ignore(tx: Cursor, position: int, e: Any) -> None:
    pass


_HANDLERS = {
    "Webhook.Created": _created,
    "Webhook.Updated": _updated,
    "Webhook.SecretRotated": _secret_rotated,
    "Webhook.Disabled": _status("disabled"),
    "Webhook.Deleted": _status("deleted"),
    "Webhook.TestRequested": _test_requested,
    "Webhook.RedeliveryRequested": _redelivery_requested,
}
