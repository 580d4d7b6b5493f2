"""The spec's prefixed identifiers (`task_…`, `req_…`) over sortable ULIDs."""

from __future__ import annotations

import re
import time
from random import getrandbits
from uuid import UUID

from ulid import ULID

_ULID_TEXT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]  # every 10-bit group, spelled
_TRIPLES = [a + b for a in _PAIRS for b in _CROCKFORD]  # every 15-bit group, spelled


def new_id(prefix: str) -> str:
    return f"{prefix}_{ULID()}"


def unordered_id(prefix: str) -> str:
    """`new_id`'s form (a ULID: the millisecond, then 80 random bits) without the ULID
    library's ordering of ids made in the same millisecond, for ids nothing sorts (a request's
    id, made for every request), nor its read of the system's randomness (a system call):
    such an id correlates log lines, it guards nothing. Half the cost."""
    return f"{prefix}_{ulid_text((time.time_ns() // 1_000_000) << 80 | getrandbits(80))}"


def public_id(prefix: str, uuid: UUID) -> str:
    """The ULID text of `uuid`: read models spell an id for nearly every event they apply,
    and the ULID library's round trip costs several times `ulid_text`."""
    return f"{prefix}_{ulid_text(uuid.int)}"


def ulid_text(n: int) -> str:
    """The 26 ULID characters of a 128-bit integer: the top 10 bits (two characters), then
    fifteen bits (three characters) at a time: nine look-ups where a character at a time
    takes 26 (a test holds it equal to the ULID library's spelling)."""
    t = _TRIPLES
    return (
        _PAIRS[n >> 120]
        + t[(n >> 105) & 0x7FFF]
        + t[(n >> 90) & 0x7FFF]
        + t[(n >> 75) & 0x7FFF]
        + t[(n >> 60) & 0x7FFF]
        + t[(n >> 45) & 0x7FFF]
        + t[(n >> 30) & 0x7FFF]
        + t[(n >> 15) & 0x7FFF]
        + t[n & 0x7FFF]
    )


def parse_id(prefix: str, value: str) -> UUID | None:
    """The UUID behind `prefix_<ULID>`, or None for anything else (never raises)."""
    head, _, tail = value.partition("_")
    if head != prefix or not _ULID_TEXT.match(tail):
        return None
    try:
        return ULID.from_str(tail).to_uuid()
    except ValueError:
        return None
