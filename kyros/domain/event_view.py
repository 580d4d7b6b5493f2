"""One decoded domain event as auditors read it: type, entity, actor, time and redacted data."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from hashlib import sha1
from typing import Any
from uuid import UUID

from kyros.domain.agent_role import AgentRole, agent_role_id
from kyros.domain.budget import BudgetBook
from kyros.domain.configuration import Configuration
from kyros.domain.event_catalogue import BY_QUALNAME, EventType
from kyros.domain.vocabulary import ROLES
from kyros.ids import public_id, ulid_text
from kyros.timefmt import iso

CONFIGURATION_ENTITY = "system"
BUDGET_BOOK_ENTITY = "budgets"
# Entity kind -> the prefix of its public id, for aggregates whose id is spelled like a ULID.
PREFIXES: dict[str, str] = {
    "task": "task",
    "escalation": "esc",
    "escalation_day": "escday",
    "budget_ledger": "ledger",
    "agent": "agent",
    "alert": "alert",
    "webhook": "webhook",
    "user": "user",
    "username": "username",
    "api_key": "key",
    "session": "fam",
    "external_account": "extacct",
    "idempotency_key": "idem",
}
ROLE_OF: dict[UUID, str] = {agent_role_id(role): role for role in ROLES}
_EVENT_IDS = UUID("6d1f0b7e-3c55-5b6a-9a43-6b8f5cf1a7d2")  # namespace of event ids
_NAMESPACE = _EVENT_IDS.bytes
# uuid5's version (5) and variant (RFC 4122) bits, set in the digest's first 128 bits
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & (2**128 - 1)
_SET = (5 << 76) | (0x8000 << 48)


def event_type(event: Any) -> EventType | None:
    return BY_QUALNAME.get(type(event).__qualname__)


def event_id(originator_id: UUID, version: int) -> str:
    """Stable for ever: an event is one version of one entity. It is
    `public_id("evt", uuid5(_EVENT_IDS, f"{originator_id}:{version}"))` (a test holds them
    equal), computed without the UUID objects, which cost most of a page of 1,000 events."""
    digest = sha1(_named(originator_id) + b"%d" % version).digest()  # noqa: S324
    return "evt_" + ulid_text((int.from_bytes(digest[:16]) & _CLEAR) | _SET)


@lru_cache(maxsize=4096)
def _named(originator_id: UUID) -> bytes:
    """The namespace and `{originator_id}:`, once for an entity's events."""
    return _NAMESPACE + f"{originator_id}:".encode()


@lru_cache(maxsize=4096)
def _spelled(prefix: str, originator_id: UUID) -> str:
    return public_id(prefix, originator_id)


def recorded_at(moment: datetime) -> str | None:
    """`timefmt.iso`, without its conversion for the usual case of a time already in UTC."""
    if moment.tzinfo is UTC:
        spec = "microseconds" if moment.microsecond else "seconds"
        return moment.isoformat(timespec=spec)[:-6] + "Z"  # less its "+00:00"
    return iso(moment)


def entity_of(event: Any, kind: str) -> dict[str, str]:
    originator = event.originator_id
    if kind == "budget":
        return {"kind": kind, "id": str(event.budget_id)}
    if isinstance(event, BudgetBook.Event):
        return {"kind": kind, "id": BUDGET_BOOK_ENTITY}
    if isinstance(event, Configuration.Event):
        return {"kind": kind, "id": CONFIGURATION_ENTITY}
    if isinstance(event, AgentRole.Event):
        return {"kind": kind, "id": ROLE_OF.get(originator, str(originator))}
    return {"kind": kind, "id": _spelled(PREFIXES[kind], originator)}


def public_view(position: int, event: Any, described: EventType) -> dict[str, Any]:
    """Only the catalogue's public fields leave; a UUID naming the entity itself is spelled
    as the entity's public id."""
    entity = entity_of(event, described.kind)
    state = event.__dict__
    data = {}
    for name in described.fields:
        value = state.get(name)
        if isinstance(value, UUID):
            value = entity["id"] if value == event.originator_id else str(value)
        data[name] = value
    return {
        "position": position,
        "id": event_id(event.originator_id, event.originator_version),
        "type": described.name,
        "entity": entity,
        "version": event.originator_version,
        "actor": state.get("actor"),
        "recorded_at": recorded_at(event.timestamp),
        "data": data,
    }
