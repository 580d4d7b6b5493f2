"""Parsing of list filters shared by the escalation and alert lists: choices and date ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kyros.domain.errors import DomainError

_MOMENT = "Must be an ISO 8601 date (2024-01-15) or date-time (2024-01-15T10:30:00Z)"


def choices(
    field: str, raw: str | None, allowed: tuple[str, ...], aliases: dict[str, str] | None = None
) -> tuple[str, ...]:
    """Comma-separated values, each one of `allowed` (or an alias of one)."""
    if raw is None:
        return ()
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    if not values or len(values) > 20:
        raise DomainError("Must list between 1 and 20 comma-separated values", field=field)
    aliases = aliases or {}
    found = []
    for value in values:
        value = aliases.get(value, value)
        if value not in allowed:
            named = sorted({*allowed, *aliases})
            raise DomainError(f"Must be one of: {', '.join(named)}", field=field)
        found.append(value)
    return tuple(dict.fromkeys(found))


def date_range(from_raw: str | None, to_raw: str | None) -> tuple[datetime | None, datetime | None]:
    """`[from, before)`: a date bound covers its whole UTC day, a date-time is inclusive, a
    date-time without an offset is UTC. `to_date` before `from_date` is refused."""
    start = _moment("from_date", from_raw)
    end = _moment("to_date", to_raw)
    before = None
    if end is not None and to_raw is not None:
        step = timedelta(days=1) if _is_date(to_raw) else timedelta(microseconds=1)
        try:
            before = end + step
        except OverflowError:  # the end of time: no upper bound
            before = None
    if start is not None and before is not None and before <= start:
        raise DomainError("Must not be before from_date", field="to_date")
    return start, before


def _is_date(raw: str) -> bool:
    return len(raw.strip()) == 10


def _moment(field: str, raw: str | None) -> datetime | None:
    if raw is None:
        return None
    text = raw.strip()
    try:
        if _is_date(text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(_MOMENT, field=field) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise DomainError(_MOMENT, field=field) from None
