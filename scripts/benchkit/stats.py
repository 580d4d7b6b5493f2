"""Percentiles and medians over measured samples."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1); a benchmark wants a value that occurred."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float]) -> str:
    """`min..max` of repeated runs, for judging noise on a shared machine."""
    return f"{min(values):,.0f}..{max(values):,.0f}" if len(values) > 1 else ""
