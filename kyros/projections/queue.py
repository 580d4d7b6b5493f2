"""The queue read model: one row per submission, with its status, model and holder."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
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
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is not None:
                handler(tx, event, public_id("task", event.originator_id))


def _submitted(tx: Cursor, e: Any, task_id: str) -> None:
    tx.execute("UPDATE rm_submissions SET is_current = 0 WHERE task_id = ?", (task_id,))
    at = sortable(e.timestamp)
    tx.execute(
        "INSERT INTO rm_submissions (submission_id, task_id, role, model, status, is_current,"
        " premium, retries, submitted_at, queued_at) VALUES (?, ?, ?, ?, ?, 1, ?, 0, ?, ?)"
        " ON CONFLICT (submission_id) DO NOTHING",
        (e.submission_id, task_id, e.role, e.model, e.status, int(e.premium), at, at),
    )


def _current(tx: Cursor, task_id: str, assignments: str, params: tuple[Any, ...]) -> None:
    tx.execute(
        f"UPDATE rm_submissions SET {assignments} WHERE task_id = ? AND is_current = 1",
        (*params, task_id),
    )


def _dependencies_met(tx: Cursor, e: Any, task_id: str) -> None:
    _current(tx, task_id, "status = ?, queued_at = ?", (e.status, sortable(e.timestamp)))


def _requeued(tx: Cursor, e: Any, task_id: str) -> None:
    _current(
        tx,
        task_id,
        "status = 'queued', model = ?, agent_id = NULL, claimed_at = NULL, queued_at = ?,"
        " retries = retries + ?",
        (e.model, sortable(e.timestamp), int(e.reason == "retry")),
    )


def _escalation_requested(tx: Cursor, e: Any, task_id: str) -> None:
    """Queued or failed work is held until the escalation is decided (then requeued)."""
    tx.execute(
        "UPDATE rm_submissions SET status = 'awaiting_approval', agent_id = NULL"
        " WHERE task_id = ? AND is_current = 1 AND status IN ('queued', 'failed')",
        (task_id,),
    )


def _escalation_resolved(tx: Cursor, e: Any, task_id: str) -> None:
    _current(tx, task_id, "model = ?, premium = 0", (e.model,))


def _assigned(tx: Cursor, e: Any, task_id: str) -> None:
    _current(
        tx,
        task_id,
        "status = 'in_progress', agent_id = ?, claimed_at = ?",
        (e.agent_id, sortable(e.timestamp)),
    )


def _finished(status: str) -> Any:
    def handle(tx: Cursor, e: Any, task_id: str) -> None:
        _current(tx, task_id, "status = ?, finished_at = ?", (status, sortable(e.timestamp)))

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
