"""Parsing of the events API's filters: type names and families, entities, instants."""

from __future__ import annotations

from datetime import UTC, datetime

from kyros.domain.errors import DomainError
from kyros.domain.event_catalogue import ENTITY_KINDS, FAMILIES, EventType, is_type_pattern
from kyros.domain.event_catalogue import types_matching as _matching
from kyros.http.query_params import choices, comma_list

_INSTANT = "Must be an RFC 3339 date-time (2024-01-15T10:30:00Z)"


def bounded(field: str, raw: str | None, most: int) -> str | None:
    if raw is not None and len(raw) > most:
        raise DomainError(f"Must be at most {most} characters", field=field)
    return raw


def event_types(raw: str | None) -> tuple[EventType, ...] | None:
    """Exact type names or `family.*`, 1 to 20 of them; None (every type) when absent."""
    raw = bounded("type", raw, 2_000)
    if raw is None:
        return None
    patterns = comma_list(raw)
    if not patterns or len(patterns) > 20:
        raise DomainError("Must list between 1 and 20 comma-separated types", field="type")
    for pattern in patterns:
        if not is_type_pattern(pattern):
            families = ", ".join(f"{f}.*" for f in FAMILIES)
            raise DomainError(
                f"Unknown type {pattern!r}; see /v1/events/types, or one of {families}",
                field="type",
            )
    return _matching(patterns)


def entity_kinds(raw: str | None) -> tuple[str, ...] | None:
    return choices("entity_kind", raw, ENTITY_KINDS) or None


def instant(field: str, raw: str | None) -> datetime | None:
    """A date-time with an offset (or none, read as UTC), to the microsecond."""
    raw = bounded(field, raw, 64)
    if raw is None:
        return None
    text = raw.strip().upper()
    if len(text) < 11 or text[10] != "T":
        raise DomainError(_INSTANT, field=field)
    try:
        moment = datetime.fromisoformat(text)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise DomainError(_INSTANT, field=field) from None


def time_range(
    start_raw: str | None, end_raw: str | None
) -> tuple[datetime | None, datetime | None]:
    start, end = instant("from", start_raw), instant("to", end_raw)
    if start is not None and end is not None and end < start:
        raise DomainError("Must not be before from", field="to")
    return start, end
