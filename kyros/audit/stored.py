"""The stored log read row by row as the chain sees it: raw bytes, not decoded events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import msgspec

from kyros.audit.link import link, rfc3339
from kyros.eventstore.log_sql import stored_rows
from kyros.eventstore.transcoder import MsgpackTranscoder
from kyros.readstore.database import Cursor

PAGE = 5000  # events per read: one statement each, a few MB at most


class _Stamp(msgspec.Struct):
    timestamp: datetime


_STAMP = msgspec.msgpack.Decoder(_Stamp, ext_hook=MsgpackTranscoder()._decoder.ext_hook)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    position: int
    entity: UUID
    version: int
    topic: str
    recorded_at: str  # "" when the stored state cannot be read (a damaged row)
    state: bytes

    def link_after(self, previous: bytes) -> bytes:
        return link(
            previous,
            self.position,
            self.entity,
            self.version,
            self.topic,
            self.recorded_at,
            self.state,
        )


def recorded_at(state: bytes) -> str:
    """The event's own timestamp, read from its stored state without decoding the rest."""
    try:
        return rfc3339(_STAMP.decode(state).timestamp)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, OverflowError):
        return ""


def read_stored(tx: Cursor, dialect: str, after: int, upto: int, limit: int) -> list[StoredEvent]:
    rows = tx.execute(stored_rows(dialect), (after, upto, limit)).fetchall()
    return [
        StoredEvent(
            position=int(r["position"]),
            entity=_uuid(r["originator_id"]),
            version=int(r["originator_version"]),
            topic=str(r["topic"]),
            recorded_at=recorded_at(bytes(r["state"])),
            state=bytes(r["state"]),
        )
        for r in rows
    ]


def _uuid(value: object) -> UUID:
    """A row forged with a malformed id still gets a link (which then fails to match)."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return UUID(int=0)
