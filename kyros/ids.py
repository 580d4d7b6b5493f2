"""The spec's prefixed identifiers (`task_…`, `req_…`) over sortable ULIDs."""

from __future__ import annotations

import re
from uuid import UUID

from ulid import ULID

_ULID_TEXT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def new_id(prefix: str) -> str:
    return f"{prefix}_{ULID()}"


def public_id(prefix: str, uuid: UUID) -> str:
    return f"{prefix}_{ULID.from_uuid(uuid)}"


def parse_id(prefix: str, value: str) -> UUID | None:
    """The UUID behind `prefix_<ULID>`, or None for anything else (never raises)."""
    head, _, tail = value.partition("_")
    if head != prefix or not _ULID_TEXT.match(tail):
        return None
    try:
        return ULID.from_str(tail).to_uuid()
    except ValueError:
        return None
