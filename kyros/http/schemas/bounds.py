"""Bounds on free-form JSON that typed schemas cannot express: depth and integer range."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kyros.domain.errors import DomainError

MAX_DEPTH = 32
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what the event store's msgpack encoding holds
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def check_json(value: Any, field: str, depth: int = 0) -> None:
    """Refuses, naming the field, what would otherwise fail deep in storage as a 500."""
    if depth > MAX_DEPTH:
        raise DomainError(f"Nested more than {MAX_DEPTH} levels deep", field=field)
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise DomainError("Integer out of the 64-bit range", field=field)
    elif isinstance(value, datetime):
        _check_moment(value, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json(key, field, depth + 1)
            check_json(item, f"{field}.{key}" if field else str(key), depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            check_json(item, field, depth + 1)


def _check_moment(moment: datetime, field: str) -> None:
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or utc < _EARLIEST:
        raise DomainError("Must be between 1970-01-01 and 9999-12-31 (UTC)", field=field)
