"""Read-model figures behind GET /v1/monitoring/health: agent presence and recent model calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from kyros.queries.model_performance import TRACKED, performance_tracking
from kyros.readstore.database import Database
from kyros.timefmt import from_sortable, sortable

RECENT_ATTEMPTS = 100  # a model's health is judged on its latest finished attempts


def agent_presence(db: Database, now: datetime, lease: timedelta) -> dict[str, Any]:
    """Registered agents, those seen (heartbeat or claim) within one lease of `now`, and how
    long the longest-serving of those has been registered (None when none is live)."""
    with db.transaction(write=False) as tx:
        row = tx.execute(
            "SELECT COUNT(*) AS registered,"
            " SUM(CASE WHEN last_seen >= ? THEN 1 ELSE 0 END) AS live,"
            " MIN(CASE WHEN last_seen >= ? THEN registered_at END) AS earliest"
            " FROM rm_agents",
            (sortable(now - lease),) * 2,
        ).fetchone()
    earliest = row["earliest"] if row else None
    return {
        "registered_agents": int(row["registered"] or 0) if row else 0,
        "live_agents": int(row["live"] or 0) if row else 0,
        "uptime_seconds": (
            round((now - from_sortable(earliest)).total_seconds(), 3) if earliest else None
        ),
    }


def recent_model_figures(db: Database, models: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per model, over its latest finished attempts: mean response seconds of the completed
    ones and the percentage that completed; null where there is nothing to measure. Attempts
    finished while performance tracking was off are not among them."""
    figures = {}
    with db.transaction(write=False) as tx:
        tracking = performance_tracking(tx)
        for model in models:
            rows = tx.execute(
                f"SELECT outcome, response_seconds FROM rm_attempts WHERE model = ? AND {TRACKED}"
                " ORDER BY finished_at DESC LIMIT ?",
                (model, RECENT_ATTEMPTS),
            ).fetchall()
            completed = [r for r in rows if r["outcome"] == "completed"]
            seconds = [
                float(r["response_seconds"]) for r in completed if r["response_seconds"] is not None
            ]
            figures[model] = {
                "response_time": round(sum(seconds) / len(seconds), 2) if seconds else None,
                "success_rate": round(100 * len(completed) / len(rows), 1) if rows else None,
                "recent_attempts": len(rows),
                "performance_tracking": tracking,
            }
    return figures
