"""Money as reports show it: exact sums of micro-dollar costs, and the float Prometheus needs
printing the same decimal."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from kyros.queries.figures import money

MICROS = st.integers(min_value=0, max_value=999_999_999_999_999)  # up to a billion dollars


@given(st.lists(MICROS, max_size=50))
def test_a_sum_of_recorded_costs_is_shown_exactly(costs: list[int]) -> None:
    amounts = [Decimal(c).scaleb(-6) for c in costs]
    shown = money(sum(amounts, Decimal(0)))
    assert shown == sum(amounts, Decimal(0))
    assert "E" not in str(shown)  # a plain JSON number, never 1E+2


def test_trailing_zeros_are_dropped_and_means_round_half_up_to_the_micro_dollar() -> None:
    assert [str(money(Decimal(v))) for v in ("3.050000", "100", "0", "0.000001")] == [
        "3.05",
        "100",
        "0",
        "0.000001",
    ]
    assert money(Fraction(Decimal("0.001744")) / 6) == Decimal("0.000291")  # 0.00029066…
    assert money(Fraction(1, 2_000_000)) == Decimal("0.000001")  # half a micro-dollar: up


@given(MICROS)
def test_the_float_prometheus_is_given_prints_back_as_the_same_decimal(micros: int) -> None:
    amount = Decimal(micros).scaleb(-6)
    assert Decimal(repr(float(amount))) == amount
