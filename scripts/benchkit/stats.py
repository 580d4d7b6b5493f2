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


def quiet_gc() -> None:
    """The client's start-up heap frozen out of the collector, and young collections rarer:
    1,000 sockets' frames otherwise trigger full collections that delay receipts (the same
    tuning `kyros serve` applies to itself)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
