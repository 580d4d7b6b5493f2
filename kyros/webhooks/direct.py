"""Deliveries that no domain event carries (an audit checkpoint), queued into the same outbox.

The caller writes them in its own transaction, so a delivery exists exactly when the fact it
announces was committed; the dispatcher sends them like any other, signed and retried.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from ulid import ULID

from kyros.readstore.database import Cursor
from kyros.timefmt import iso
from kyros.webhooks.outbox import _insert, _row, _subscriptions


def enqueue(
    tx: Cursor, hook_type: str, position: int, at: datetime, data: dict[str, Any], seed: str
) -> int:
    """Queues one delivery of `hook_type` to each active endpoint subscribed to it; `seed`
    names the fact, so its delivery ids are the same however often it is announced."""
    body = {"type": hook_type, "timestamp": iso(at), "position": position, "data": data}
    millis = int(at.timestamp() * 1000)
    rows = []
    for webhook_id, wanted in _subscriptions(tx).items():
        if hook_type in wanted:
            digest = hashlib.sha256(f"{seed}:{webhook_id}".encode()).digest()
            ulid = ULID.from_bytes(millis.to_bytes(6, "big") + digest[:10])
            rows.append(_row(ulid, webhook_id, hook_type, position, body))
    count = len(rows)
    _insert(tx, rows)
    return count
