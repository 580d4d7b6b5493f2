"""The analytics read model: dated facts behind the monitoring metrics and cost analysis."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections import analytics_retention
from kyros.projections.engine import Page
from kyros.projections.rowset import RowSet
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
    # For listings and windows; `apply` reads by primary key only (see `shadow.unread_indexes`).
    unread_indexes = frozenset(
        {
            "rm_analytics_tasks_created",
            "rm_analytics_submissions_at",
            "rm_analytics_escalations_at",
            "rm_analytics_attempts_at",
        }
    )
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
        """Folds the page into the tasks it touches (one SELECT), then writes each table once."""
        purged_before = analytics_retention.horizon(tx) or ""
        fold = _Fold()
        handled = []
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is None:
                continue
            if purged_before and (sortable(event.timestamp) or "") < purged_before:
                handler = _BEFORE_HORIZON.get(handler, handler)
            if handler is not _escalation_submitted and handler is not _skip:
                first = event.originator_id not in fold.ids
                fold.task_ids.append(fold.task_id(event))
                if first and handler is _created:  # a task's first event: it has no row
                    fold.tasks.absent(fold.task_ids[-1:])
            handled.append((handler, event))
        if not handled:
            return
        fold.tasks.load(tx, fold.task_ids)
        for handler, event in handled:
            handler(fold, event)
        fold.flush(tx)


_TASK_COLUMNS = (
    "task_id",
    "task_type",
    "created_at",
    "role",
    "model",
    "submitted_by",
    "started_at",
)
_ATTEMPT_COLUMNS = (
    "task_id, version, outcome, finished_at, task_type, role, model, submitted_by, input_tokens,"
    " output_tokens, cached_tokens, response_seconds, duration_seconds, cost"
)


class _Fold:
    """One page's changes: task rows in memory, and the facts to insert."""

    def __init__(self) -> None:
        self.tasks = RowSet("rm_analytics_tasks", "task_id", _TASK_COLUMNS)
        self.task_ids: list[str] = []
        self.submissions: list[tuple[Any, ...]] = []
        self.escalations: list[tuple[Any, ...]] = []
        self.attempts: list[tuple[Any, ...]] = []
        self.ids: dict[Any, str] = {}  # public ids by originator, spelt once a page

    def task_id(self, e: Any) -> str:
        found = self.ids.get(e.originator_id)
        if found is None:
            found = self.ids[e.originator_id] = public_id("task", e.originator_id)
        return found

    def flush(self, tx: Cursor) -> None:
        self.tasks.flush(tx)
        for table, columns, rows in (
            ("submissions", "task_id, version, submitted_at", self.submissions),
            ("escalations", "escalation_id, task_id, submitted_at", self.escalations),
            ("attempts", _ATTEMPT_COLUMNS, self.attempts),
        ):
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                tx.executemany(
                    f"INSERT INTO rm_analytics_{table} ({columns}) VALUES ({marks})"
                    " ON CONFLICT DO NOTHING",
                    rows,
                )


def _created(fold: _Fold, e: Any) -> None:
    task_id = fold.task_id(e)
    if fold.tasks.get(task_id) is None:
        row = dict.fromkeys(_TASK_COLUMNS)
        row.update(task_id=task_id, task_type=e.task_type, created_at=sortable(e.timestamp))
        fold.tasks.put(row)


def _change(fold: _Fold, e: Any, **columns: Any) -> None:
    """An UPDATE of the task's row: nothing when it has none."""
    row = fold.tasks.get(fold.task_id(e))
    if row is not None:
        row.update(columns)


def _updated(fold: _Fold, e: Any) -> None:
    if "task_type" in e.changes:
        _change(fold, e, task_type=e.changes["task_type"]["new"])


def _submitted(fold: _Fold, e: Any) -> None:
    fold.submissions.append((fold.task_id(e), e.originator_version, sortable(e.timestamp)))
    _routed(fold, e)


def _routed(fold: _Fold, e: Any) -> None:
    """The task's current submission, which its later attempts are recorded against."""
    _change(fold, e, role=e.role, model=e.model, submitted_by=e.actor, started_at=None)


def _requeued(fold: _Fold, e: Any) -> None:
    _change(fold, e, model=e.model, started_at=None)


def _assigned(fold: _Fold, e: Any) -> None:
    _change(fold, e, started_at=sortable(e.timestamp))


def _finished(fold: _Fold, e: Any, outcome: str, usage: dict[str, Any]) -> None:
    task_id = fold.task_id(e)
    task = fold.tasks.get(task_id)
    if task is None or task["role"] is None:
        return  # never submitted: not an attempt Kyros routed
    started = task["started_at"]
    duration = (e.timestamp - from_sortable(started)).total_seconds() if started else None
    seconds, cost = usage.get("response_seconds"), usage.get("cost")
    fold.attempts.append(
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
        )
    )
    task["started_at"] = None


def _escalation_submitted(fold: _Fold, e: Any) -> None:
    fold.escalations.append((public_id("esc", e.originator_id), e.task_id, sortable(e.timestamp)))


def _skip(fold: _Fold, e: Any) -> None:
    pass


def _completed(fold: _Fold, e: Any) -> None:
    _finished(fold, e, "completed", e.usage or {})


def _failed(fold: _Fold, e: Any) -> None:
    _finished(fold, e, "failed", {})


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
