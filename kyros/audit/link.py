"""The chain's one formula: a link is SHA-256 over the previous link and one stored event.

Canonical encoding (version 1), all integers big-endian:

    b"kyros-audit-link-v1\\x00"
    previous link                  32 bytes (GENESIS, 32 zero bytes, before position 1)
    position                       8 bytes unsigned
    entity (originator) id         16 bytes (the UUID's bytes)
    version                        8 bytes unsigned
    topic (`module:Class`)         4-byte length + UTF-8
    recorded_at (RFC 3339, UTC,    4-byte length + ASCII, e.g. 2026-11-30T23:08:39.123456Z
      microseconds, `Z`)
    stored state                   4-byte length + the bytes exactly as stored

`scripts/verify_audit_export.py` repeats this formula without importing Kyros (a test holds
the two equal); change neither without a new version tag.
"""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256
from struct import Struct

TAG = b"kyros-audit-link-v1\x00"
GENESIS = bytes(32)
_FIXED = Struct(">Q16sQI")
_LENGTH = Struct(">I")


def link(
    previous: bytes,
    position: int,
    entity: bytes,
    version: int,
    topic: str,
    recorded_at: str,
    state: bytes,
) -> bytes:
    """The link at `position`, given the link before it; `entity` is the id's 16 bytes."""
    name, moment = topic.encode(), recorded_at.encode()
    return sha256(
        b"".join(
            (
                TAG,
                previous,
                _FIXED.pack(position, entity, version, len(name)),
                name,
                _LENGTH.pack(len(moment)),
                moment,
                _LENGTH.pack(len(state)),
                state,
            )
        )
    ).digest()


def rfc3339(moment: datetime) -> str:
    """The one spelling of an instant the chain hashes: UTC, microseconds, `Z`."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
