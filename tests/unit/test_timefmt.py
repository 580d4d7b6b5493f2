"""Timestamps print as the spec shows them and sort as text in time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from kyros.timefmt import from_sortable, iso, sortable, stamps


def test_whole_seconds_print_as_the_spec_shows_them() -> None:
    assert iso(datetime(2024, 1, 20, 23, 59, 59, tzinfo=UTC)) == "2024-01-20T23:59:59Z"
    assert iso(datetime(2024, 1, 20, 23, 59, 59, 5, tzinfo=UTC)) == "2024-01-20T23:59:59.000005Z"


def test_other_offsets_are_converted_to_utc() -> None:
    moment = datetime(2024, 1, 21, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert iso(moment) == "2024-01-20T23:00:00Z"


def test_years_before_1000_keep_four_digits_so_text_order_is_time_order() -> None:
    ancient = datetime(999, 6, 1, tzinfo=UTC)
    modern = datetime(2024, 1, 1, tzinfo=UTC)
    assert iso(ancient) == "0999-06-01T00:00:00Z"
    assert sortable(ancient) < sortable(modern)  # type: ignore[operator]
    assert from_sortable(sortable(ancient) or "") == ancient


@given(
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))]))
    | st.sampled_from([datetime(2024, 1, 20, 23, 59, 59, tzinfo=UTC), None])
)
def test_stamps_are_iso_and_sortable_formatted_once(moment: datetime | None) -> None:
    assert stamps(moment) == (iso(moment), sortable(moment))


@given(st.datetimes(timezones=st.just(UTC)))
def test_utc_moments_print_as_their_isoformat_spells_them(moment: datetime) -> None:
    """Events' UTC moments take a faster path than other offsets; both print alike."""
    naive = moment.replace(tzinfo=None)
    assert sortable(moment) == naive.isoformat(timespec="microseconds") + "Z"
    spec = naive.isoformat(timespec="microseconds" if naive.microsecond else "seconds") + "Z"
    assert iso(moment) == spec
