"""The cost ledger's pure pieces: `from`/`to` ranges and exact money in nano-dollars."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyros.domain.errors import DomainError
from kyros.projections.cost_ledger import nanos
from kyros.queries.cost_ledger import money
from kyros.queries.time_range import time_range


def test_a_date_is_its_utc_midnight_and_to_is_exclusive() -> None:
    start, before = time_range("2026-11-01", "2026-12-01")
    assert start == datetime(2026, 11, 1, tzinfo=UTC)
    assert before == datetime(2026, 12, 1, tzinfo=UTC)


def test_a_date_time_with_an_offset_is_read_in_utc_and_one_without_is_utc() -> None:
    start, before = time_range("2026-11-01T02:00:00+02:00", "2026-11-01T10:30:00")
    assert start == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert before == datetime(2026, 11, 1, 10, 30, tzinfo=UTC)


def test_both_bounds_are_optional() -> None:
    assert time_range(None, None) == (None, None)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("last month", None, "from"),
        (None, "2026-02-30", "to"),
        ("0001-01-01T00:00:00+01:00", None, "from"),
        ("2026-11-02", "2026-11-01", "to"),
        ("2026-11-01T00:00:00Z", "2026-11-01", "to"),
    ],
)
def test_a_bad_bound_is_refused_naming_it(start: str | None, end: str | None, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        time_range(start, end)
    assert refused.value.field == field


@given(st.integers(min_value=0, max_value=10**15))
def test_micro_dollars_survive_the_round_trip_through_nano_dollars(micro: int) -> None:
    amount = Decimal(micro).scaleb(-6)
    assert money(nanos(amount)) == amount


def test_money_is_written_in_the_plainest_exact_form() -> None:
    assert str(money(286_000)) == "0.000286"
    assert str(money(1_020_000_000)) == "1.02"
    assert str(money(10_000_000_000)) == "10"
    assert str(money(0)) == "0"
    assert money(None) is None
