"""Reported figures: exact arithmetic on fractions, rounded once, half up, to fixed places."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

TENTHS = 1
MONEY = 6  # USD: every cost is priced to the micro-dollar, so sums of costs are exact here


def rounded(value: Fraction, places: int) -> Decimal:
    """Half away from zero (Decimal's ROUND_HALF_UP) on the exact value, so a figure never
    depends on summation order or float error; e.g. 0.125 at 2 places is 0.13."""
    units = math.floor(abs(value) * 10**places + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-places)


def ratio(part: Fraction, whole: Fraction, places: int) -> Decimal | None:
    """part / whole, or None when there is nothing to divide by."""
    return rounded(part / whole, places) if whole else None


def exact(number: Decimal | float | int | str) -> Fraction:
    """A float (seconds) counts as the decimal it prints as, not as its binary value."""
    return Fraction(repr(number)) if isinstance(number, float) else Fraction(number)


def money(value: Fraction | Decimal | int) -> Decimal:
    """USD to the micro-dollar, never to the cent (most calls cost less than one): exact for
    sums of recorded costs, means rounded half up; trailing zeros dropped (0.0305, 3, 0)."""
    amount = rounded(Fraction(value), MONEY)
    return (
        amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()
    )
