"""Reporting periods: calendar periods, ranges and rolling windows, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kyros.domain.errors import DomainError
from kyros.queries.periods import Window, parse_instant, resolve
from kyros.queries.windows import COST_PERIODS

NOW = datetime(2026, 11, 30, 23, 9, 26, tzinfo=UTC)


def window(**given: str | None) -> Window:
    asked = {"period": None, "at": None, "start": None, "end": None, **given}
    return resolve(**asked, now=NOW, rolling=COST_PERIODS, default="7d")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "at", "start", "end"),
    [
        ("day", "2026-02-28", utc(2026, 2, 28), utc(2026, 3, 1)),
        ("week", "2026-W01", utc(2025, 12, 29), utc(2026, 1, 5)),  # ISO weeks start on Monday
        ("month", "2026-11", utc(2026, 11, 1), utc(2026, 12, 1)),
        ("month", "2026-12", utc(2026, 12, 1), utc(2027, 1, 1)),
        ("quarter", "2026-Q4", utc(2026, 10, 1), utc(2027, 1, 1)),
        ("quarter", "2024-Q1", utc(2024, 1, 1), utc(2024, 4, 1)),
        ("year", "2024", utc(2024, 1, 1), utc(2025, 1, 1)),
    ],
)
def test_a_calendar_period_runs_from_its_first_midnight_to_the_next_periods(
    period: str, at: str, start: datetime, end: datetime
) -> None:
    assert window(period=period, at=at) == Window(start, end, period, at)


def test_without_at_a_calendar_period_is_the_one_holding_now() -> None:
    assert window(period="month").at == "2026-11"
    assert window(period="quarter").at == "2026-Q4"
    assert window(period="week").at == "2026-W49"
    assert window(period="day").start == utc(2026, 11, 30)


def test_a_range_is_from_inclusive_to_exclusive_and_reaches_now_without_to() -> None:
    found = window(start="2026-11-01", end="2026-11-02T12:00:00+02:00")
    assert (found.start, found.end, found.period) == (
        utc(2026, 11, 1),
        utc(2026, 11, 2, 10),
        "range",
    )
    assert window(start="2026-11-30T00:00:00Z").end == NOW
    assert not found.rolling


def test_a_rolling_window_is_the_default_and_ends_now() -> None:
    found = window()
    assert (found.start, found.end, found.period, found.rolling) == (
        NOW - timedelta(days=7),
        NOW,
        "7d",
        True,
    )


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"period": "7d", "start": "2026-11-01"}, "from"),
        ({"period": "month", "end": "2026-11-01"}, "to"),
        ({"end": "2026-11-01"}, "from"),
        ({"start": "2026-11-02", "end": "2026-11-01"}, "from"),
        ({"start": "2026-11-01", "end": "2026-11-01"}, "from"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "to"),
        ({"start": "2026-11-01T00:00:00"}, "from"),  # no offset: which zone?
        ({"start": "yesterday"}, "from"),
        ({"start": "2026-02-30"}, "from"),
        ({"start": "2026-11-01", "end": "soon"}, "to"),
        ({"start": "2026-11-01", "at": "2026-11"}, "at"),
        ({"period": "month", "at": "2026-13"}, "at"),
        ({"period": "month", "at": "2026-Q4"}, "at"),
        ({"period": "quarter", "at": "2026-Q5"}, "at"),
        ({"period": "week", "at": "2026-W54"}, "at"),
        ({"period": "day", "at": "0000-01-01"}, "at"),
        ({"period": "year", "at": "9999"}, "at"),  # its end is past what a date can hold
        ({"period": "7d", "at": "2026-11"}, "at"),
        ({"at": "2026-11"}, "at"),
        ({"period": "fortnight"}, "period"),
    ],
)
def test_contradictions_and_malformed_values_are_refused_naming_the_parameter(
    given: dict[str, str], field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        window(**given)
    assert refused.value.field == field


def test_an_instant_is_rfc_3339_with_a_zone_or_a_date_at_midnight_utc() -> None:
    assert parse_instant("from", "2026-11-01") == utc(2026, 11, 1)
    assert parse_instant("from", "2026-11-01T10:00:00.5-01:30") == utc(
        2026, 11, 1, 11, 30, 0, 500_000
    )
    assert parse_instant("to", "2026-11-01t10:00:00z") == utc(2026, 11, 1, 10)
