"""Cluster-wide totals that GET /metrics exposes, read from read models at scrape time.

Reading them from the read models (not counting in memory) makes every server report the same
figures, and keeps them across restarts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.readstore.database import Database

# A cost is Decimal text priced to the micro-dollar: summed as whole micro-dollars it is exact
# on both stores (SQLite would add CAST(... AS NUMERIC) as binary floats).
MICROS = "CAST(ROUND(CAST(COALESCE(cost, '0') AS NUMERIC) * 1000000) AS BIGINT)"


def model_usage_totals(db: Database) -> list[dict[str, Any]]:
    """Finished attempts by model and outcome: calls, tokens and cost (exact USD, as priced
    at completion), from the analytics read model."""
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT model, outcome, COUNT(*) AS calls,"
            " SUM(COALESCE(input_tokens, 0)) AS input_tokens,"
            " SUM(COALESCE(output_tokens, 0)) AS output_tokens,"
            " SUM(COALESCE(cached_tokens, 0)) AS cached_tokens,"
            f" SUM({MICROS}) AS micros"
            " FROM rm_analytics_attempts GROUP BY model, outcome ORDER BY model, outcome"
        ).fetchall()
    return [
        {
            "model": r["model"],
            "outcome": r["outcome"],
            "calls": int(r["calls"]),
            "tokens": {
                "input": int(r["input_tokens"] or 0),
                "output": int(r["output_tokens"] or 0),
                "cached": int(r["cached_tokens"] or 0),
            },
            "cost": Decimal(int(r["micros"] or 0)).scaleb(-6),
        }
        for r in rows
    ]


def webhook_delivery_totals(db: Database) -> dict[str, dict[str, int]]:
    """Deliveries by status (pending, delivered, failed, cancelled) and attempts by result."""
    with db.transaction(write=False) as tx:
        deliveries = tx.execute(
            "SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status"
        ).fetchall()
        attempts = tx.execute(
            "SELECT CASE WHEN status_code >= 200 AND status_code < 300"
            " THEN 'success' ELSE 'failure' END AS result, COUNT(*) AS n"
            " FROM webhook_attempts GROUP BY 1"
        ).fetchall()
    return {
        "deliveries": {r["status"]: int(r["n"]) for r in deliveries},
        "attempts": {r["result"]: int(r["n"]) for r in attempts},
    }
