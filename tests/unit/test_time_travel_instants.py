"""What `as_of` accepts: RFC 3339 date-times with an offset, nothing looser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kyros.domain.errors import DomainError
from kyros.timetravel.point import parse_instant


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-15T10:30:00Z", datetime(2026, 1, 15, 10, 30, tzinfo=UTC)),
        ("2026-01-15t10:30:00z", datetime(2026, 1, 15, 10, 30, tzinfo=UTC)),
        ("2026-01-15 12:30:00+02:00", datetime(2026, 1, 15, 10, 30, tzinfo=UTC)),
        ("2026-01-15T10:30:00.123456789Z", datetime(2026, 1, 15, 10, 30, 0, 123456, tzinfo=UTC)),
    ],
)
def test_rfc_3339_instants_are_read_in_utc(raw: str, expected: datetime) -> None:
    assert parse_instant(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "yesterday",
        "2026-01-15",  # a date is not an instant
        "2026-01-15T10:30:00",  # no offset: whose 10:30?
        "2026-01-15T10:30Z",  # no seconds
        "20260115T103000Z",  # ISO 8601 basic, not RFC 3339
        "2026-13-15T10:30:00Z",
        "2026-01-15T10:30:00+24:00",
        "0001-01-01T00:00:00+02:00",  # before year 1 in UTC
        "2026-01-15T10:30:00Z" + " " * 60,
    ],
)
def test_anything_else_is_refused_naming_as_of(raw: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_instant(raw)
    assert refused.value.field == "as_of"
