"""Reported figures: exact arithmetic on fractions, rounded once, half up, to fixed places."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

CENTS = 2
TENTHS = 1


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
