"""The spec's prefixed identifiers (`task_…`, `req_…`) over sortable ULIDs."""

from __future__ import annotations

import re
from base64 import b32encode
from uuid import UUID

from ulid import ULID

_ULID_TEXT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD.encode())


def new_id(prefix: str) -> str:
    return f"{prefix}_{ULID()}"


def public_id(prefix: str, uuid: UUID) -> str:
    """The ULID text of `uuid`: read models spell an id for nearly every event they apply,
    and the ULID library's round trip costs several times `ulid_text`."""
    return f"{prefix}_{ulid_text(uuid.int)}"


def ulid_text(n: int) -> str:
    """The 26 ULID characters of a 128-bit integer: base32 in C, its alphabet mapped to
    Crockford's (a test holds it equal to the ULID library's spelling)."""
    return b32encode((n << 30).to_bytes(20)).translate(_TO_CROCKFORD)[:26].decode()


def parse_id(prefix: str, value: str) -> UUID | None:
    """The UUID behind `prefix_<ULID>`, or None for anything else (never raises)."""
    head, _, tail = value.partition("_")
    if head != prefix or not _ULID_TEXT.match(tail):
        return None
    try:
        return ULID.from_str(tail).to_uuid()
    except ValueError:
        return None
