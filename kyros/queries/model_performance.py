"""Model queries: performance figures measured from finished attempts."""

from __future__ import annotations

from typing import Any

from kyros.readstore.database import Cursor, Database

# Attempts that finished while `monitoring.performance_tracking` was off count in no figure.
TRACKED = (
    "NOT EXISTS (SELECT 1 FROM rm_untracked_attempts u"
    " WHERE u.task_id = rm_attempts.task_id AND u.version = rm_attempts.version)"
)


def model_performance(db: Database, model: str) -> dict[str, Any]:
    """`average_response_time` in seconds (as agents report it), `success_rate` in percent,
    `quality_score` on 0-10; null until something has been measured. `performance_tracking`
    says whether figures are being recorded now."""
    with db.transaction(write=False) as tx:
        rates = outcome_rates(tx, "model", model)
        row = tx.execute(
            "SELECT AVG(quality) AS quality FROM rm_attempts"
            " WHERE model = ? AND quality IS NOT NULL",
            (model,),
        ).fetchone()
        tracking = performance_tracking(tx)
    quality = row["quality"] if row else None
    return {
        **rates,
        "quality_score": round(float(quality), 1) if quality is not None else None,
        "performance_tracking": tracking,
    }


def performance_tracking(tx: Cursor) -> bool:
    row = tx.execute("SELECT tracking FROM rm_performance_tracking WHERE id = 1").fetchone()
    return bool(row["tracking"]) if row else True


def outcome_rates(tx: Cursor, column: str, value: str) -> dict[str, Any]:
    """Counts, mean response time and success rate of the attempts where `column` = `value`."""
    assert column in ("model", "role")
    row = tx.execute(
        "SELECT SUM(CASE WHEN outcome = 'completed' THEN 1 ELSE 0 END) AS completed,"
        " SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) AS failed,"
        " AVG(CASE WHEN outcome = 'completed' THEN response_seconds END) AS response"
        f" FROM rm_attempts WHERE {column} = ? AND {TRACKED}",
        (value,),
    ).fetchone()
    completed = int(row["completed"] or 0) if row else 0
    failed = int(row["failed"] or 0) if row else 0
    response = row["response"] if row else None
    finished = completed + failed
    return {
        "average_response_time": round(float(response), 2) if response is not None else None,
        "success_rate": round(100 * completed / finished, 1) if finished else None,
        "tasks_completed": completed,
        "tasks_failed": failed,
    }
