"""The analytics read model: dated facts behind the monitoring metrics and cost analysis."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections import analytics_retention
from kyros.projections.engine import Page
from kyros.readstore.database import Cursor
from kyros.timefmt import from_sortable, sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_analytics_tasks (
        task_id TEXT PRIMARY KEY,
        task_type TEXT NOT NULL,
        created_at TEXT NOT NULL,
        role TEXT,
        model TEXT,
        submitted_by TEXT,
        started_at TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_analytics_tasks_created ON rm_analytics_tasks (created_at)",
    """
    CREATE TABLE IF NOT EXISTS rm_analytics_submissions (
        task_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        submitted_at TEXT NOT NULL,
        PRIMARY KEY (task_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_analytics_submissions_at"
    " ON rm_analytics_submissions (submitted_at)",
    """
    CREATE TABLE IF NOT EXISTS rm_analytics_escalations (
        escalation_id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        submitted_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_analytics_escalations_at"
    " ON rm_analytics_escalations (submitted_at)",
    """
    CREATE TABLE IF NOT EXISTS rm_analytics_attempts (
        task_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        task_type TEXT NOT NULL,
        role TEXT NOT NULL,
        model TEXT NOT NULL,
        submitted_by TEXT NOT NULL,
        input_tokens BIGINT,
        output_tokens BIGINT,
        cached_tokens BIGINT,
        response_seconds DOUBLE PRECISION,
        duration_seconds DOUBLE PRECISION,
        cost TEXT,
        PRIMARY KEY (task_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_analytics_attempts_at ON rm_analytics_attempts (finished_at)",
    analytics_retention.DDL,
)


class AnalyticsProjection:
    """Every row is dated by its event's timestamp, so windows and buckets are pure SQL ranges.

    `rm_analytics_tasks` holds each task's type and its current submission (role, model,
    submitter, claim time); `rm_analytics_attempts` has one row per finished attempt of
    submitted work, with what that attempt reported: tokens, response seconds and the cost
    priced at completion (Decimal text, summed exactly in Python; null when no usage was
    reported, e.g. a completion through PUT /tasks).

    Facts dated before the retention horizon (`analytics_retention`) are not recorded, so a
    rebuild does not bring back what the retention purge removed.
    """

    name = "analytics"
    consumes = frozenset(
        {
            "Task.Created",
            "Task.Updated",
            "Task.Submitted",
            "Task.Requeued",
            "Task.Assigned",
            "Task.Completed",
            "Task.Failed",
            "Escalation.Submitted",
        }
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        for table in ("attempts", "escalations", "submissions", "tasks"):
            tx.execute(f"DELETE FROM rm_analytics_{table}")

    def apply(self, tx: Cursor, page: Page) -> None:
        purged_before = analytics_retention.horizon(tx) or ""
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is None:
                continue
            if (sortable(event.timestamp) or "") < purged_before:
                handler = _BEFORE_HORIZON.get(handler, handler)
            handler(tx, event)


def _task_id(e: Any) -> str:
    return public_id("task", e.originator_id)


def _created(tx: Cursor, e: Any) -> None:
    tx.execute(
        "INSERT INTO rm_analytics_tasks (task_id, task_type, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (task_id) DO NOTHING",
        (_task_id(e), e.task_type, sortable(e.timestamp)),
    )


def _updated(tx: Cursor, e: Any) -> None:
    if "task_type" in e.changes:
        tx.execute(
            "UPDATE rm_analytics_tasks SET task_type = ? WHERE task_id = ?",
            (e.changes["task_type"]["new"], _task_id(e)),
        )


def _submitted(tx: Cursor, e: Any) -> None:
    tx.execute(
        "INSERT INTO rm_analytics_submissions (task_id, version, submitted_at) VALUES (?, ?, ?)"
        " ON CONFLICT (task_id, version) DO NOTHING",
        (_task_id(e), e.originator_version, sortable(e.timestamp)),
    )
    _routed(tx, e)


def _routed(tx: Cursor, e: Any) -> None:
    """The task's current submission, which its later attempts are recorded against."""
    tx.execute(
        "UPDATE rm_analytics_tasks SET role = ?, model = ?, submitted_by = ?, started_at = NULL"
        " WHERE task_id = ?",
        (e.role, e.model, e.actor, _task_id(e)),
    )


def _requeued(tx: Cursor, e: Any) -> None:
    tx.execute(
        "UPDATE rm_analytics_tasks SET model = ?, started_at = NULL WHERE task_id = ?",
        (e.model, _task_id(e)),
    )


def _assigned(tx: Cursor, e: Any) -> None:
    tx.execute(
        "UPDATE rm_analytics_tasks SET started_at = ? WHERE task_id = ?",
        (sortable(e.timestamp), _task_id(e)),
    )


def _finished(tx: Cursor, e: Any, outcome: str, usage: dict[str, Any]) -> None:
    task_id = _task_id(e)
    task = tx.execute(
        "SELECT task_type, role, model, submitted_by, started_at FROM rm_analytics_tasks"
        " WHERE task_id = ?",
        (task_id,),
    ).fetchone()
    if task is None or task["role"] is None:
        return  # never submitted: not an attempt Kyros routed
    started = task["started_at"]
    duration = (e.timestamp - from_sortable(started)).total_seconds() if started else None
    seconds, cost = usage.get("response_seconds"), usage.get("cost")
    tx.execute(
        "INSERT INTO rm_analytics_attempts (task_id, version, outcome, finished_at, task_type,"
        " role, model, submitted_by, input_tokens, output_tokens, cached_tokens,"
        " response_seconds, duration_seconds, cost)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (task_id, version) DO NOTHING",
        (
            task_id,
            e.originator_version,
            outcome,
            sortable(e.timestamp),
            task["task_type"],
            task["role"],
            usage.get("model") or task["model"],
            task["submitted_by"],
            usage.get("input_tokens"),
            usage.get("output_tokens"),
            usage.get("cached_tokens"),
            float(seconds) if seconds is not None else None,
            duration,
            str(cost) if cost is not None else None,
        ),
    )
    tx.execute("UPDATE rm_analytics_tasks SET started_at = NULL WHERE task_id = ?", (task_id,))


def _escalation_submitted(tx: Cursor, e: Any) -> None:
    tx.execute(
        "INSERT INTO rm_analytics_escalations (escalation_id, task_id, submitted_at)"
        " VALUES (?, ?, ?) ON CONFLICT (escalation_id) DO NOTHING",
        (public_id("esc", e.originator_id), e.task_id, sortable(e.timestamp)),
    )


def _skip(tx: Cursor, e: Any) -> None:
    pass


def _completed(tx: Cursor, e: Any) -> None:
    _finished(tx, e, "completed", e.usage or {})


def _failed(tx: Cursor, e: Any) -> None:
    _finished(tx, e, "failed", {})


_HANDLERS = {
    "Task.Created": _created,
    "Task.Updated": _updated,
    "Task.Submitted": _submitted,
    "Task.Requeued": _requeued,
    "Task.Assigned": _assigned,
    "Task.Completed": _completed,
    "Task.Failed": _failed,
    "Escalation.Submitted": _escalation_submitted,
}
# Before the horizon, dated facts are skipped; what later facts need is still kept.
_BEFORE_HORIZON: dict[Any, Any] = {
    _submitted: _routed,
    _completed: _skip,
    _failed: _skip,
    _escalation_submitted: _skip,
}
