"""The pure parts of the monitoring analytics: rounding, shares and bucket alignment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from fractions import Fraction

import pytest

from kyros.domain.errors import DomainError
from kyros.http.query_params import selection
from kyros.queries.costs import largest_remainder
from kyros.queries.figures import rounded
from kyros.queries.periods import resolve
from kyros.queries.windows import COST_PERIODS, metric_buckets

NOW = datetime(2026, 3, 14, 15, 9, 26, 535_897, tzinfo=UTC)


def test_rounding_is_half_away_from_zero_on_the_exact_value() -> None:
    assert rounded(Fraction(1, 8), 2) == D("0.13")  # 0.125: binary floats round it down
    assert rounded(Fraction(-1, 8), 2) == D("-0.13")
    assert rounded(Fraction(2, 3), 1) == D("0.7")
    assert str(rounded(Fraction(0), 2)) == "0.00"
    assert str(rounded(Fraction(1000), 1)) == "1000.0"


def test_three_equal_shares_add_up_to_exactly_100() -> None:
    shares = largest_remainder({"b": D("1"), "a": D("1"), "c": D("1")})
    assert shares == {"b": D("33.3"), "a": D("33.4"), "c": D("33.3")}  # a tie goes by name
    assert sum(shares.values()) == D("100.0")


def test_the_missing_tenths_go_to_the_largest_remainders() -> None:
    # 2.07 %, 2.06 %, 95.87 %: rounding each gives 2.1 + 2.1 + 95.9 = 100.1. Tenths rounded
    # down are 20 + 20 + 958 = 998; the two missing go to the remainders .7 and .7, not .6.
    shares = largest_remainder({"x": D("2.07"), "y": D("2.06"), "z": D("95.87")})
    assert shares == {"x": D("2.1"), "y": D("2.0"), "z": D("95.9")}
    assert sum(shares.values()) == D("100.0")


def test_nothing_to_share_is_zero_everywhere() -> None:
    assert largest_remainder({"x": D("0"), "y": D("0")}) == {"x": D("0.0"), "y": D("0.0")}
    assert largest_remainder({}) == {}


@pytest.mark.parametrize(
    ("period", "granularity", "count", "first"),
    [
        ("1h", "5m", 12, datetime(2026, 3, 14, 14, 10, tzinfo=UTC)),
        ("1h", "1m", 60, datetime(2026, 3, 14, 14, 10, tzinfo=UTC)),
        ("24h", "1h", 24, datetime(2026, 3, 13, 16, tzinfo=UTC)),
        ("7d", "1h", 168, datetime(2026, 3, 7, 16, tzinfo=UTC)),
        ("30d", "1d", 30, datetime(2026, 2, 13, tzinfo=UTC)),
        ("24h", "1d", 1, datetime(2026, 3, 14, tzinfo=UTC)),
    ],
)
def test_buckets_are_aligned_in_utc_and_the_last_one_holds_now(
    period: str, granularity: str, count: int, first: datetime
) -> None:
    buckets = metric_buckets(period, granularity, NOW)
    assert (buckets.count, buckets.start) == (count, first)
    assert buckets.starts()[-1] <= NOW < buckets.end
    assert buckets.index(NOW) == count - 1
    assert buckets.index(first) == 0
    assert buckets.index(first - timedelta(microseconds=1)) is None
    assert buckets.index(buckets.end) is None


@pytest.mark.parametrize(
    ("period", "granularity", "issue"),
    [
        ("1h", "1d", "Must not be coarser than the period (1h)"),
        ("30d", "1m", "30d at 1m would be 43200 points; at most 1500"),
        ("7d", "5m", "7d at 5m would be 2016 points; at most 1500"),
    ],
)
def test_absurd_granularities_are_refused(period: str, granularity: str, issue: str) -> None:
    with pytest.raises(DomainError) as refused:
        metric_buckets(period, granularity, NOW)
    assert (refused.value.field, refused.value.issue) == ("granularity", issue)


def test_a_cost_window_ends_now_and_reaches_back_one_period() -> None:
    def window(period: str) -> tuple[datetime, datetime]:
        found = resolve(
            period=period,
            at=None,
            start=None,
            end=None,
            now=NOW,
            rolling=COST_PERIODS,
            default="7d",
        )
        return found.start, found.end

    assert window("7d") == (NOW - timedelta(days=7), NOW)
    with pytest.raises(DomainError) as refused:
        window("24h")
    assert refused.value.field == "period"


def test_a_selection_keeps_the_order_given_without_repeats() -> None:
    allowed, default = ("a", "b", "c"), ("a",)
    assert selection("f", None, allowed, default) == ("a",)
    assert selection("f", "c, a,c", allowed, default) == ("c", "a")
    for raw in ("", "a,d"):
        with pytest.raises(DomainError) as refused:
            selection("f", raw, allowed, default)
        assert refused.value.field == "f"
