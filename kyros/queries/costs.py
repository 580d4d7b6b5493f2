"""Cost analysis: what completed attempts cost, broken down, and what premium-only would cost."""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

from kyros.domain.model_catalog import Catalog, ModelSpec, Usage, price
from kyros.queries.figures import TENTHS, money, ratio
from kyros.queries.periods import Window
from kyros.readstore.database import Database, Row
from kyros.timefmt import sortable

GROUPS = {"model": "model", "role": "role", "task_type": "task_type", "user": "submitted_by"}
ZERO = Decimal(0)


def cost_analysis(
    db: Database,
    window: Window,
    groups: tuple[str, ...],
    catalog: Catalog,
    premium_model: str,
) -> dict[str, Any]:
    """Over the attempts finished in the window ((start, end] when rolling, else [start, end)):
    costs are the ones recorded at completion; `savings` re-price every priced attempt at
    `premium_model` (the escalation model)."""
    bounds = (
        "finished_at > ? AND finished_at <= ?"
        if window.rolling
        else ("finished_at >= ? AND finished_at < ?")
    )
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT outcome, model, role, task_type, submitted_by, cost, input_tokens,"
            f" output_tokens, cached_tokens FROM rm_analytics_attempts WHERE {bounds}",
            (sortable(window.start), sortable(window.end)),
        ).fetchall()
    priced = [r for r in rows if r["outcome"] == "completed" and r["cost"] is not None]
    total = sum((Decimal(r["cost"]) for r in priced), ZERO)
    breakdown: dict[str, Any] = {f"by_{g}": _breakdown(priced, GROUPS[g]) for g in groups}
    premium = catalog.get(premium_model) if premium_model in catalog.names() else None
    breakdown["savings"] = {"premium_model": premium_model, **_savings(priced, total, premium)}
    completed = sum(1 for r in rows if r["outcome"] == "completed")
    return {
        "total_cost": money(total),
        "task_counts": {
            "completed": completed,
            "failed": len(rows) - completed,
            "priced": len(priced),
        },
        "cost_breakdown": breakdown,
    }


def _breakdown(priced: list[Row], column: str) -> dict[str, dict[str, Any]]:
    """By cost, highest first (ties by name)."""
    costs: dict[str, Decimal] = defaultdict(lambda: ZERO)
    tasks: dict[str, int] = defaultdict(int)
    for row in priced:
        costs[row[column]] += Decimal(row["cost"])
        tasks[row[column]] += 1
    shares = largest_remainder(costs)
    return {
        key: {"cost": money(costs[key]), "percentage": shares[key], "tasks": tasks[key]}
        for key in sorted(costs, key=lambda k: (-costs[k], k))
    }


def largest_remainder(amounts: dict[str, Decimal]) -> dict[str, Decimal]:
    """Percentages to one decimal that add up to exactly 100.0: each share's tenths rounded
    down, then the tenths still missing go to the largest remainders (ties by name).
    All 0.0 when the amounts add up to nothing."""
    total = sum(amounts.values(), ZERO)
    if not total:
        return dict.fromkeys(amounts, Decimal("0.0"))
    exact = {key: Fraction(amount) * 1000 / Fraction(total) for key, amount in amounts.items()}
    tenths = {key: math.floor(share) for key, share in exact.items()}
    missing = 1000 - sum(tenths.values())
    for key in sorted(exact, key=lambda k: (tenths[k] - exact[k], k))[:missing]:
        tenths[key] += 1
    return {key: Decimal(n).scaleb(-TENTHS) for key, n in tenths.items()}


def _savings(priced: list[Row], total: Decimal, premium: ModelSpec | None) -> dict[str, Any]:
    """Each attempt's own tokens at the premium model's prices, priced as a completion is;
    all null when the configured premium model is not in the catalog."""
    if premium is None:
        return dict.fromkeys(("vs_premium_only", "percentage", "roi", "premium_only_cost"))
    premium_only = sum((price(_usage(r), premium.pricing) for r in priced), ZERO)
    saved = Fraction(premium_only - total)
    return {
        "vs_premium_only": money(premium_only - total),
        "percentage": _percent(saved, Fraction(premium_only)),
        "roi": _percent(saved, Fraction(total)),
        "premium_only_cost": money(premium_only),
    }


def _usage(row: Row) -> Usage:
    return Usage(row["input_tokens"], row["output_tokens"], row["cached_tokens"] or 0)


def _percent(part: Fraction, whole: Fraction) -> Decimal:
    """0.0, not a division error, when there is nothing to compare with."""
    shown = ratio(100 * part, whole, TENTHS)
    return Decimal("0.0") if shown is None else shown
