"""The WebSocket protocol: client messages parsed and checked, server frames built, close codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from kyros.domain.text import UNSTORABLE_ISSUE, unstorable_field
from kyros.fanout.event_types import WS_TYPES
from kyros.ids import parse_id
from kyros.timefmt import iso, now

# Close codes (RFC 6455 reserves 4000-4999 for applications).
GOING_AWAY = 1001  # the server is shutting down: reconnect elsewhere and resume
TOO_BIG = 1009  # a client message over MAX_MESSAGE_BYTES
INTERNAL = 1011
TRY_AGAIN_LATER = 1013  # the store is unavailable: reconnect shortly (and resume)
UNAUTHORIZED = 4401  # no valid credential in time, or it was revoked or expired
FORBIDDEN = 4403  # the caller lost the permission a subscription needs
SLOW_CONSUMER = 4408  # the send queue overflowed: reconnect and resume from your position

MAX_MESSAGE_BYTES = 65_536
MAX_FILTER_IDS = 100
_encoder = msgspec.json.Encoder(decimal_format="number")


class ProtocolError(Exception):
    def __init__(self, issue: str, field: str = "message") -> None:
        super().__init__(issue)
        self.issue, self.field = issue, field


@dataclass(frozen=True, slots=True)
class Auth:
    token: str


@dataclass(frozen=True, slots=True)
class Subscribe:
    events: frozenset[str]
    task_ids: frozenset[str] | None
    since: int | None


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    events: frozenset[str] | None  # None: everything


@dataclass(frozen=True, slots=True)
class Ping:
    pass


ClientMessage = Auth | Subscribe | Unsubscribe | Ping


def frame(kind: str, data: dict[str, Any]) -> str:
    return _encoder.encode({"type": kind, "data": data, "timestamp": iso(now())}).decode()


def error_frame(code: str, message: str, field: str | None = None, issue: str | None = None) -> str:
    details = {"field": field, "issue": issue} if field else {}
    return frame("error", {"code": code, "message": message, "details": details})


def parse(text: str) -> ClientMessage:
    try:
        message = msgspec.json.decode(text)
    except msgspec.DecodeError:
        raise ProtocolError("Malformed JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError("Must be a JSON object")
    field = unstorable_field(message)  # a NUL token reaches a store; a surrogate no frame
    if field is not None:
        raise ProtocolError(UNSTORABLE_ISSUE, field or "message")
    kind = message.get("type")
    if kind == "auth":
        token = message.get("token")
        if not isinstance(token, str) or not token.strip() or len(token) > 4_096:
            raise ProtocolError("Must be a non-empty string", "token")
        return Auth(token.strip())
    if kind == "subscribe":
        return Subscribe(
            _events(message.get("events"), required=True) or frozenset(),
            _filters(message.get("filters")),
            _since(message.get("since")),
        )
    if kind == "unsubscribe":
        return Unsubscribe(_events(message.get("events"), required=False))
    if kind == "ping":
        return Ping()
    raise ProtocolError("Must be one of: auth, subscribe, unsubscribe, ping", "type")


def _events(value: Any, *, required: bool) -> frozenset[str] | None:
    if value is None and not required:
        return None
    if not isinstance(value, list) or not value or len(value) > len(WS_TYPES):
        raise ProtocolError(f"Must list between 1 and {len(WS_TYPES)} event types", "events")
    for name in value:
        if name not in WS_TYPES:
            raise ProtocolError(f"Must be one of: {', '.join(WS_TYPES)}", "events")
    return frozenset(value)


def _filters(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ProtocolError("Must be an object", "filters")
    unknown = sorted(set(value) - {"task_id"})
    if unknown:
        raise ProtocolError("Unknown filter; only task_id is supported", f"filters.{unknown[0]}")
    ids = value.get("task_id")
    ids = [ids] if isinstance(ids, str) else ids
    if ids is None:
        return None
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_FILTER_IDS:
        raise ProtocolError(
            f"Must be a task id or 1 to {MAX_FILTER_IDS} of them", "filters.task_id"
        )
    for task_id in ids:
        if not isinstance(task_id, str) or parse_id("task", task_id) is None:
            raise ProtocolError("Must be task ids (task_…)", "filters.task_id")
    return frozenset(ids)


def _since(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProtocolError("Must be a log position (an integer >= 0)", "since")
    return value
