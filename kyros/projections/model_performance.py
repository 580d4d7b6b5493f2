"""The model performance read model: one row per finished attempt, by model and role."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.readstore.database import Cursor
from kyros.timefmt import from_sortable, sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_attempt_state (
        task_id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        model TEXT NOT NULL,
        started_at TEXT
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rm_attempts (
        task_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        role TEXT NOT NULL,
        model TEXT NOT NULL,
        outcome TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        response_seconds REAL,
        duration_seconds REAL,
        cost TEXT,
        quality REAL,
        PRIMARY KEY (task_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_attempts_model ON rm_attempts (model, outcome)",
    "CREATE INDEX IF NOT EXISTS rm_attempts_role ON rm_attempts (role, finished_at)",
    """
    CREATE TABLE IF NOT EXISTS rm_untracked_attempts (
        task_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (task_id, version)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rm_performance_tracking (
        id INTEGER PRIMARY KEY,
        tracking INTEGER NOT NULL
    )
    """,
)


class ModelPerformanceProjection:
    """What actually ran: completions and failures of submitted tasks, never estimates.

    `cost` is Decimal text (summed exactly in Python); `quality` is the completion's
    `results.code_quality_score` (0-100) on the spec's 0-10 scale, when an agent reports one.

    While `monitoring.performance_tracking` is off (followed here in log order, so a rebuild
    agrees), an attempt is still recorded with its cost, for cost accounting, but without its
    times and quality, and listed in `rm_untracked_attempts`, which performance figures skip.
    """

    name = "model_performance"
    consumes = frozenset(
        {
            "Configuration.Initialised",
            "Configuration.Changed",
            "Task.Submitted",
            "Task.Requeued",
            "Task.Assigned",
            "Task.Completed",
            "Task.Failed",
        }
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        for table in ("attempts", "attempt_state", "untracked_attempts", "performance_tracking"):
            tx.execute(f"DELETE FROM rm_{table}")

    def apply(self, tx: Cursor, page: Page) -> None:
        for _, event in page:
            kind = type(event).__qualname__
            if kind in ("Configuration.Initialised", "Configuration.Changed"):
                _tracking_changed(tx, event)
                continue
            handler = _HANDLERS.get(kind)
            if handler is not None:
                handler(tx, event, public_id("task", event.originator_id))


def _submitted(tx: Cursor, e: Any, task_id: str) -> None:
    tx.execute(
        "INSERT INTO rm_attempt_state (task_id, role, model) VALUES (?, ?, ?)"
        " ON CONFLICT (task_id) DO UPDATE SET role = ?, model = ?, started_at = NULL",
        (task_id, e.role, e.model, e.role, e.model),
    )


def _requeued(tx: Cursor, e: Any, task_id: str) -> None:
    tx.execute(
        "UPDATE rm_attempt_state SET model = ?, started_at = NULL WHERE task_id = ?",
        (e.model, task_id),
    )


def _assigned(tx: Cursor, e: Any, task_id: str) -> None:
    tx.execute(
        "UPDATE rm_attempt_state SET started_at = ? WHERE task_id = ?",
        (sortable(e.timestamp), task_id),
    )


def _finished(tx: Cursor, e: Any, task_id: str, outcome: str, usage: dict[str, Any]) -> None:
    state = tx.execute(
        "SELECT role, model, started_at FROM rm_attempt_state WHERE task_id = ?", (task_id,)
    ).fetchone()
    if state is None:
        return  # never submitted: not work that Kyros routed
    started = state["started_at"]
    duration = (e.timestamp - from_sortable(started)).total_seconds() if started else None
    seconds = usage.get("response_seconds")
    cost = usage.get("cost")
    quality = _quality((getattr(e, "results", None) or {}).get("code_quality_score"))
    if not _tracking(tx):
        duration = seconds = quality = None
        tx.execute(
            "INSERT INTO rm_untracked_attempts (task_id, version) VALUES (?, ?)"
            " ON CONFLICT (task_id, version) DO NOTHING",
            (task_id, e.originator_version),
        )
    tx.execute(
        "INSERT INTO rm_attempts (task_id, version, role, model, outcome, finished_at,"
        " response_seconds, duration_seconds, cost, quality) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (task_id, version) DO NOTHING",
        (
            task_id,
            e.originator_version,
            state["role"],
            usage.get("model") or state["model"],
            outcome,
            sortable(e.timestamp),
            float(seconds) if seconds is not None else None,
            duration,
            str(cost) if cost is not None else None,
            quality,
        ),
    )
    tx.execute("UPDATE rm_attempt_state SET started_at = NULL WHERE task_id = ?", (task_id,))


def _tracking(tx: Cursor) -> bool:
    row = tx.execute("SELECT tracking FROM rm_performance_tracking WHERE id = 1").fetchone()
    return bool(row["tracking"]) if row else True


def _tracking_changed(tx: Cursor, e: Any) -> None:
    """From a Configuration event: whether figures are recorded from here on."""
    settings = getattr(e, "settings", None) or {}
    tracking = settings.get("monitoring", {}).get("performance_tracking")
    change = (getattr(e, "changes", None) or {}).get("monitoring.performance_tracking")
    if change is not None:
        tracking = change["new"]
    if tracking is not None:
        tx.execute("DELETE FROM rm_performance_tracking WHERE id = 1")
        tx.execute(
            "INSERT INTO rm_performance_tracking (id, tracking) VALUES (1, ?)", (int(tracking),)
        )


def _quality(score: Any) -> float | None:
    if isinstance(score, bool) or not isinstance(score, int | float | Decimal):
        return None
    return float(score) / 10 if 0 <= score <= 100 else None


_HANDLERS = {
    "Task.Submitted": _submitted,
    "Task.Requeued": _requeued,
    "Task.Assigned": _assigned,
    "Task.Completed": lambda tx, e, t: _finished(tx, e, t, "completed", e.usage or {}),
    "Task.Failed": lambda tx, e, t: _finished(tx, e, t, "failed", {}),
}
