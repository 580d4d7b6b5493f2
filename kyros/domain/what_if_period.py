"""The period a what-if replays: `from`/`to` as RFC 3339 times or dates (UTC), bounded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kyros.domain.errors import DomainError

MAX_DAYS = 400  # a year and a quarter, whatever the calendar
DEFAULT_DAYS = 30


def parse_moment(text: str, field: str) -> datetime:
    """`2026-11-01` is that day's start; a time must carry its offset."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise DomainError("Must be an RFC 3339 time or a date (YYYY-MM-DD)", field=field) from None
    if moment.utcoffset() is None:
        raise DomainError("Must include a timezone", field=field)
    if not datetime(1970, 1, 1, tzinfo=UTC) <= moment <= datetime(9999, 1, 1, tzinfo=UTC):
        raise DomainError("Must be between 1970 and 9999", field=field)
    return moment.astimezone(UTC)


def period(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """[from, to): `to` defaults to now, `from` to DEFAULT_DAYS before `to`."""
    stop = parse_moment(end, "to") if end is not None else now
    begin = parse_moment(start, "from") if start is not None else stop - timedelta(DEFAULT_DAYS)
    if begin >= stop:
        raise DomainError("Must be after from", field="to")
    if stop - begin > timedelta(days=MAX_DAYS):
        raise DomainError(f"The period may span at most {MAX_DAYS} days", field="to")
    return begin, stop
