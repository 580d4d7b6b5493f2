"""The queue read model: one row per submission, with its status, model and holder."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.rowset import CHUNK, RowSet
from kyros.readstore.database import Cursor
from kyros.timefmt import sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_submissions (
        submission_id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        role TEXT NOT NULL,
        model TEXT NOT NULL,
        status TEXT NOT NULL,
        is_current INTEGER NOT NULL,
        premium INTEGER NOT NULL,
        retries INTEGER NOT NULL,
        agent_id TEXT,
        submitted_at TEXT NOT NULL,
        queued_at TEXT,
        claimed_at TEXT,
        finished_at TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_submissions_queue ON rm_submissions (role, status, queued_at)",
    "CREATE INDEX IF NOT EXISTS rm_submissions_task ON rm_submissions (task_id, is_current)",
    "CREATE INDEX IF NOT EXISTS rm_submissions_agent ON rm_submissions (agent_id, status)",
)


class QueueProjection:
    """Statuses mirror the task's: waiting, awaiting_approval, queued, in_progress, then
    completed, failed or cancelled. Only a task's latest submission (`is_current`) moves."""

    name = "queue"
    consumes = frozenset(
        {
            "Task.Submitted",
            "Task.DependenciesMet",
            "Task.Requeued",
            "Task.EscalationRequested",
            "Task.EscalationResolved",
            "Task.Assigned",
            "Task.Completed",
            "Task.Failed",
            "Task.Cancelled",
        }
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_submissions")

    def apply(self, tx: Cursor, page: Page) -> None:
        """Folds the page into the submissions it touches (one SELECT), writes them once."""
        fold = _Fold()
        handled = []
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is not None:
                handled.append((handler, event, fold.task_id(event)))
        if not handled:
            return
        fold.load(tx, handled)
        for handler, event, task_id in handled:
            handler(fold, event, task_id)
        fold.rows.flush(tx)


_COLUMNS = (
    "submission_id",
    "task_id",
    "role",
    "model",
    "status",
    "is_current",
    "premium",
    "retries",
    "agent_id",
    "submitted_at",
    "queued_at",
    "claimed_at",
    "finished_at",
)


class _Fold:
    """The page's submissions by id, and each touched task's current ones."""

    def __init__(self) -> None:
        self.rows = RowSet("rm_submissions", "submission_id", _COLUMNS)
        self.current: dict[str, list[str]] = {}
        self._ids: dict[Any, str] = {}

    def task_id(self, e: Any) -> str:
        found = self._ids.get(e.originator_id)
        if found is None:
            found = self._ids[e.originator_id] = public_id("task", e.originator_id)
        return found

    def load(self, tx: Cursor, handled: list[tuple[Any, Any, str]]) -> None:
        """The touched tasks' current submissions, and any row a new submission's id has."""
        tasks = list(dict.fromkeys(task_id for _, _, task_id in handled))
        self.current = {task_id: [] for task_id in tasks}
        for start in range(0, len(tasks), CHUNK):
            chunk = tasks[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = tx.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM rm_submissions"
                f" WHERE task_id IN ({marks}) AND is_current = 1",
                chunk,
            ).fetchall()
            for row in rows:
                self.current[row["task_id"]].append(row["submission_id"])
            self.rows.loaded(rows)
        submitted = [e.submission_id for h, e, _ in handled if h is _submitted]
        self.rows.load(tx, submitted)

    def set_current(self, task_id: str, **columns: Any) -> None:
        """An UPDATE of the task's current submission (none, or in principle several)."""
        for submission_id in self.current[task_id]:
            row = self.rows.get(submission_id)
            if row is not None:
                row.update(columns)


def _submitted(fold: _Fold, e: Any, task_id: str) -> None:
    fold.set_current(task_id, is_current=0)
    fold.current[task_id] = []
    if fold.rows.get(e.submission_id) is not None:
        return  # ON CONFLICT DO NOTHING: a submission is recorded once
    at = sortable(e.timestamp)
    row = dict.fromkeys(_COLUMNS)
    row.update(
        submission_id=e.submission_id,
        task_id=task_id,
        role=e.role,
        model=e.model,
        status=e.status,
        is_current=1,
        premium=int(e.premium),
        retries=0,
        submitted_at=at,
        queued_at=at,
    )
    fold.rows.put(row)
    fold.current[task_id] = [e.submission_id]


def _dependencies_met(fold: _Fold, e: Any, task_id: str) -> None:
    fold.set_current(task_id, status=e.status, queued_at=sortable(e.timestamp))


def _requeued(fold: _Fold, e: Any, task_id: str) -> None:
    retry = int(e.reason == "retry")
    for submission_id in fold.current[task_id]:
        row = fold.rows.get(submission_id)
        if row is not None:
            row.update(
                status="queued",
                model=e.model,
                agent_id=None,
                claimed_at=None,
                queued_at=sortable(e.timestamp),
                retries=row["retries"] + retry,
            )


def _escalation_requested(fold: _Fold, e: Any, task_id: str) -> None:
    """Queued or failed work is held until the escalation is decided (then requeued)."""
    for submission_id in fold.current[task_id]:
        row = fold.rows.get(submission_id)
        if row is not None and row["status"] in ("queued", "failed"):
            row.update(status="awaiting_approval", agent_id=None)


def _escalation_resolved(fold: _Fold, e: Any, task_id: str) -> None:
    fold.set_current(task_id, model=e.model, premium=0)


def _assigned(fold: _Fold, e: Any, task_id: str) -> None:
    fold.set_current(
        task_id, status="in_progress", agent_id=e.agent_id, claimed_at=sortable(e.timestamp)
    )


def _finished(status: str) -> Any:
    def handle(fold: _Fold, e: Any, task_id: str) -> None:
        fold.set_current(task_id, status=status, finished_at=sortable(e.timestamp))

    return handle


_HANDLERS = {
    "Task.Submitted": _submitted,
    "Task.DependenciesMet": _dependencies_met,
    "Task.Requeued": _requeued,
    "Task.EscalationRequested": _escalation_requested,
    "Task.EscalationResolved": _escalation_resolved,
    "Task.Assigned": _assigned,
    "Task.Completed": _finished("completed"),
    "Task.Failed": _finished("failed"),
    "Task.Cancelled": _finished("cancelled"),
}
