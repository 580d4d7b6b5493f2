"""Parsing of query parameters shared by the list and report endpoints: comma-separated
choices, figure selections and date ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kyros.domain.errors import DomainError

_MOMENT = "Must be an ISO 8601 date (2024-01-15) or date-time (2024-01-15T10:30:00Z)"


def comma_list(raw: str) -> tuple[str, ...]:
    """The one reading of a comma-separated query value: names split on commas, blanks
    around them and empty entries dropped, in the order given."""
    return tuple(v.strip() for v in raw.split(",") if v.strip())


def choices(
    field: str,
    raw: str | None,
    allowed: tuple[str, ...] | None,
    aliases: dict[str, str] | None = None,
    *,
    sort_names: bool = True,
) -> tuple[str, ...]:
    """A filter: 1 to 20 values, each one of `allowed` (or an alias of one) unless `allowed`
    is None; an unknown one is refused naming the choices, sorted or as declared."""
    if raw is None:
        return ()
    values = comma_list(raw)
    if not values or len(values) > 20:
        raise DomainError("Must list between 1 and 20 comma-separated values", field=field)
    aliases = aliases or {}
    found = [aliases.get(value, value) for value in values]
    if allowed is not None:
        for value in found:
            if value not in allowed:
                named = sorted({*allowed, *aliases}) if sort_names else [*allowed, *aliases]
                raise DomainError(f"Must be one of: {', '.join(named)}", field=field)
    return tuple(dict.fromkeys(found))


def selection(
    field: str, raw: str | None, allowed: tuple[str, ...], default: tuple[str, ...]
) -> tuple[str, ...]:
    """Which figures to report: names, each one of `allowed`, in the order given, without
    repeats; `default` when absent."""
    if raw is None:
        return default
    names = tuple(dict.fromkeys(comma_list(raw)))
    if not names:
        raise DomainError(f"Must name at least one of: {', '.join(allowed)}", field=field)
    for name in names:
        if name not in allowed:
            raise DomainError(f"Unknown {name!r}; one of: {', '.join(allowed)}", field=field)
    return names


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
