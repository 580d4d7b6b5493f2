"""Reporting periods in UTC: rolling windows, calendar periods (`period` + `at`) and ranges
(`from`/`to`), parsed and checked once for every report that takes them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from kyros.domain.errors import DomainError

CALENDAR = ("day", "week", "month", "quarter", "year")
MAX_SPAN = timedelta(days=366)  # a calendar year, leap or not
_AT = {
    "day": (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "YYYY-MM-DD"),
    "week": (re.compile(r"^(\d{4})-W(\d{2})$"), "YYYY-Www (ISO week)"),
    "month": (re.compile(r"^(\d{4})-(\d{2})$"), "YYYY-MM"),
    "quarter": (re.compile(r"^(\d{4})-Q([1-4])$"), "YYYY-Qn"),
    "year": (re.compile(r"^(\d{4})$"), "YYYY"),
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$"
)


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, except a rolling window, which is (start, end] and ends now.

    `period` is the rolling window's name ("7d"), the calendar period's ("month"), or "range";
    `at` names the calendar period ("2026-11", "2026-Q4"), None otherwise."""

    start: datetime
    end: datetime
    period: str
    at: str | None = None

    @property
    def rolling(self) -> bool:
        return self.period not in CALENDAR and self.period != "range"


def parse_instant(field: str, text: str) -> datetime:
    """An RFC 3339 date-time with `Z` or an offset, or a date (its midnight UTC)."""
    try:
        if _DATE.match(text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        if _DATETIME.match(text):
            moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
            return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise DomainError(
        "Must be an RFC 3339 date-time with Z or an offset, or a date (YYYY-MM-DD)", field=field
    )


def calendar_period(period: str, at: str | None, now: datetime) -> tuple[datetime, datetime, str]:
    """[start, end) of the calendar period `at` names (the one holding `now` without it),
    and its canonical name."""
    pattern, shape = _AT[period]
    if at is None:
        at = _name(period, now.astimezone(UTC).date())
    found = pattern.match(at)
    try:
        if found is None:
            raise ValueError(at)
        parts = [int(p) for p in found.groups()]
        first, after = _bounds(period, parts)
    except (ValueError, OverflowError):
        raise DomainError(f"Must name a {period} as {shape}", field="at") from None
    return _midnight(first), _midnight(after), at


def _bounds(period: str, parts: list[int]) -> tuple[date, date]:
    year = parts[0]
    if period == "day":
        first = date(year, parts[1], parts[2])
        return first, first + timedelta(days=1)
    if period == "week":
        first = date.fromisocalendar(year, parts[1], 1)
        return first, first + timedelta(days=7)
    if period == "month":
        return date(year, parts[1], 1), _month_after(year, parts[1])
    if period == "quarter":
        month = 3 * (parts[1] - 1) + 1
        return date(year, month, 1), _month_after(year, month + 2)
    return date(year, 1, 1), date(year + 1, 1, 1)


def _month_after(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def _name(period: str, day: date) -> str:
    if period == "day":
        return day.isoformat()
    if period == "week":
        iso_year, week, _ = day.isocalendar()
        return f"{iso_year:04d}-W{week:02d}"
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def resolve(
    *,
    period: str | None,
    at: str | None,
    start: str | None,
    end: str | None,
    now: datetime,
    rolling: dict[str, timedelta],
    default: str,
) -> Window:
    """The window a report's `period`, `at`, `from` and `to` ask for. `period` is one of
    `rolling` (default `default`) or CALENDAR; `from`/`to` (`to` exclusive, default now)
    replace it. Contradictions are refused naming the parameter at fault."""
    if start is not None or end is not None:
        if period is not None:
            issue = "Not with period: give period (and at) or from/to"
            raise DomainError(issue, field="from" if start is not None else "to")
        if at is not None:
            raise DomainError("Only with a calendar period", field="at")
        return _range(start, end, now)
    name = default if period is None else period
    if name in CALENDAR:
        first, after, label = calendar_period(name, at, now)
        return Window(first, after, name, label)
    if name not in rolling:
        choices = ", ".join((*rolling, *CALENDAR))
        raise DomainError(f"Must be one of: {choices}", field="period")
    if at is not None:
        raise DomainError(f"Only with a calendar period ({', '.join(CALENDAR)})", field="at")
    return Window(now - rolling[name], now, name)


def _range(start: str | None, end: str | None, now: datetime) -> Window:
    if start is None:
        raise DomainError("Required with to", field="from")
    first = parse_instant("from", start)
    after = now if end is None else parse_instant("to", end)
    if first >= after:
        raise DomainError("Must be before to (to is exclusive; default now)", field="from")
    if after - first > MAX_SPAN:
        raise DomainError(f"At most {MAX_SPAN.days} days after from", field="to")
    return Window(first, after, "range")
