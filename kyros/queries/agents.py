"""Agent queries: live agents and a role's status, from the agents, queue and attempts models."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kyros.queries.model_performance import outcome_rates
from kyros.readstore.database import Cursor, Database
from kyros.timefmt import sortable

_MICRO = Decimal("0.000001")
_WINDOW = timedelta(hours=24)


def live_agents(db: Database, role: str, now: datetime, lease: timedelta) -> int:
    """Agents of `role` whose last heartbeat or claim is within one lease of `now`."""
    with db.transaction(write=False) as tx:
        return _live(tx, role, now, lease)


def _live(tx: Cursor, role: str, now: datetime, lease: timedelta) -> int:
    row = tx.execute(
        "SELECT COUNT(*) AS n FROM rm_agents WHERE role = ? AND last_seen >= ?",
        (role, sortable(now - lease)),
    ).fetchone()
    return int(row["n"]) if row else 0


def role_status(db: Database, role: str, now: datetime, lease: timedelta) -> dict[str, Any]:
    """The spec's agent status; rates are over everything the role ever finished, the
    `performance` block over today (UTC), `current_models` over in-flight work and the last
    24 hours. A figure with nothing to measure is null."""
    with db.transaction(write=False) as tx:
        counts = {
            row["status"]: int(row["n"])
            for row in tx.execute(
                "SELECT status, COUNT(*) AS n FROM rm_submissions WHERE role = ? AND"
                " is_current = 1 AND status IN ('queued', 'in_progress') GROUP BY status",
                (role,),
            ).fetchall()
        }
        rates = outcome_rates(tx, "role", role)
        return {
            "role": role,
            "available_agents": _live(tx, role, now, lease),
            "active_tasks": counts.get("in_progress", 0),
            "queue_length": counts.get("queued", 0),
            "average_response_time": rates["average_response_time"],
            "success_rate": rates["success_rate"],
            "current_models": _model_mix(tx, role, now),
            "performance": _today(tx, role, now),
        }


def _model_mix(tx: Cursor, role: str, now: datetime) -> dict[str, float]:
    mix: Counter[str] = Counter()
    for row in tx.execute(
        "SELECT model, COUNT(*) AS n FROM rm_submissions WHERE role = ? AND is_current = 1"
        " AND status IN ('queued', 'in_progress') GROUP BY model",
        (role,),
    ).fetchall():
        mix[row["model"]] += int(row["n"])
    for row in tx.execute(
        "SELECT model, COUNT(*) AS n FROM rm_attempts WHERE role = ? AND finished_at >= ?"
        " GROUP BY model",
        (role, sortable(now - _WINDOW)),
    ).fetchall():
        mix[row["model"]] += int(row["n"])
    total = sum(mix.values())
    return {model: round(100 * n / total, 1) for model, n in sorted(mix.items())} if total else {}


def _today(tx: Cursor, role: str, now: datetime) -> dict[str, Any]:
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    rows = tx.execute(
        "SELECT duration_seconds, cost FROM rm_attempts WHERE role = ? AND outcome = 'completed'"
        " AND finished_at >= ?",
        (role, sortable(midnight)),
    ).fetchall()
    durations = [float(r["duration_seconds"]) for r in rows if r["duration_seconds"] is not None]
    costs = [Decimal(r["cost"]) for r in rows if r["cost"] is not None]
    return {
        "tasks_completed_today": len(rows),
        "average_task_duration": (
            round(sum(durations) / len(durations) / 3600, 2) if durations else None
        ),
        "cost_per_task": (
            (sum(costs, Decimal(0)) / len(costs)).quantize(_MICRO, rounding=ROUND_HALF_UP)
            if costs
            else None
        ),
    }


def get_agent(db: Database, agent_id: str) -> dict[str, Any] | None:
    with db.transaction(write=False) as tx:
        return tx.execute("SELECT * FROM rm_agents WHERE agent_id = ?", (agent_id,)).fetchone()
