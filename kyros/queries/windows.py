"""Reporting windows of the monitoring API: periods, and buckets aligned in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kyros.domain.errors import DomainError
from kyros.queries.periods import Window

METRIC_PERIODS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
COST_PERIODS = {
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
GRANULARITIES = {
    "1m": timedelta(minutes=1),
    "5m": timedelta(minutes=5),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
}
DEFAULT_GRANULARITY = {"1h": "5m", "24h": "1h", "7d": "1h", "30d": "1d"}
MAX_POINTS = 1_500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a midnight, so day buckets start at UTC midnight


@dataclass(frozen=True)
class Buckets:
    """`count` consecutive buckets of `width` from `start`; the last one contains "now", or,
    for a calendar period or range, is cut at `until` (its exclusive end)."""

    start: datetime
    width: timedelta
    count: int
    until: datetime | None = None

    @property
    def end(self) -> datetime:
        full = self.start + self.count * self.width
        return full if self.until is None else min(full, self.until)

    def starts(self) -> list[datetime]:
        return [self.start + i * self.width for i in range(self.count)]

    def index(self, moment: datetime) -> int | None:
        """The bucket holding `moment`, or None outside the window."""
        if not self.start <= moment < self.end:
            return None
        return (moment - self.start) // self.width


def _choose(field: str, value: str, allowed: dict[str, timedelta]) -> timedelta:
    if value not in allowed:
        raise DomainError(f"Must be one of: {', '.join(allowed)}", field=field)
    return allowed[value]


def metric_buckets(period: str, granularity: str, now: datetime) -> Buckets:
    """period / granularity buckets, refusing a granularity coarser than the period or a
    series of more than MAX_POINTS points (30d at 1m would be 43,200)."""
    span = _choose("period", period, METRIC_PERIODS)
    width = _choose("granularity", granularity, GRANULARITIES)
    if width > span:
        raise DomainError(f"Must not be coarser than the period ({period})", field="granularity")
    count = span // width
    if count > MAX_POINTS:
        issue = f"{period} at {granularity} would be {count} points; at most {MAX_POINTS}"
        raise DomainError(issue, field="granularity")
    current = _EPOCH + ((now - _EPOCH) // width) * width
    return Buckets(start=current - (count - 1) * width, width=width, count=count)


def window_granularity(window: Window) -> str:
    """The default for a calendar period or range: 1m up to an hour, 1h up to a week, else 1d."""
    span = window.end - window.start
    return "1m" if span <= timedelta(hours=1) else "1h" if span <= timedelta(days=7) else "1d"


def window_buckets(window: Window, granularity: str) -> Buckets:
    """Buckets from the window's start (a calendar period's starts at midnight UTC), the last
    one cut at its end; more than MAX_POINTS is refused like a rolling period's."""
    width = _choose("granularity", granularity, GRANULARITIES)
    count = -(-(window.end - window.start) // width)
    if count > MAX_POINTS:
        issue = f"this period at {granularity} would be {count} points; at most {MAX_POINTS}"
        raise DomainError(issue, field="granularity")
    return Buckets(start=window.start, width=width, count=count, until=window.end)
