"""The spec's prefixed identifiers (`task_…`, `req_…`) over sortable ULIDs."""

from __future__ import annotations

import re
from uuid import UUID

from ulid import ULID

_ULID_TEXT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]  # every 10-bit group, spelled


def new_id(prefix: str) -> str:
    return f"{prefix}_{ULID()}"


def public_id(prefix: str, uuid: UUID) -> str:
    """The ULID text of `uuid`, spelled ten bits at a time: read models spell an id for
    nearly every event they apply, and the ULID library's round trip cost three times this."""
    n = uuid.int
    groups = []
    for _ in range(13):  # 130 bits: the two on top are zero, so the first character is 0-7
        groups.append(_PAIRS[n & 1023])
        n >>= 10
    return f"{prefix}_{''.join(reversed(groups))}"


def parse_id(prefix: str, value: str) -> UUID | None:
    """The UUID behind `prefix_<ULID>`, or None for anything else (never raises)."""
    head, _, tail = value.partition("_")
    if head != prefix or not _ULID_TEXT.match(tail):
        return None
    try:
        return ULID.from_str(tail).to_uuid()
    except ValueError:
        return None
