"""Queue queries: submissions by id, what an agent may claim, expired leases, waiting work."""

from __future__ import annotations

from typing import Any

from kyros.projections.jsondoc import loads
from kyros.readstore.database import Cursor, Database


def get_submission(db: Database, submission_id: str) -> dict[str, Any] | None:
    with db.transaction(write=False) as tx:
        return tx.execute(
            "SELECT * FROM rm_submissions WHERE submission_id = ?", (submission_id,)
        ).fetchone()


def claim_candidates(db: Database, role: str, limit: int) -> list[tuple[str, str]]:
    """Queued submissions of `role`, highest priority first, then first queued first."""
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT s.submission_id, s.task_id FROM rm_submissions s"
            " LEFT JOIN rm_tasks t ON t.id = s.task_id"
            " WHERE s.role = ? AND s.status = 'queued' AND s.is_current = 1"
            " ORDER BY COALESCE(t.priority_rank, 0) DESC, s.queued_at, s.submission_id LIMIT ?",
            (role, limit),
        ).fetchall()
    return [(r["submission_id"], r["task_id"]) for r in rows]


def expired_leases(db: Database, seen_before: str) -> list[dict[str, Any]]:
    """Work held by agents not seen since `seen_before` (a sortable time)."""
    with db.transaction(write=False) as tx:
        return tx.execute(
            "SELECT s.submission_id, s.task_id, s.agent_id FROM rm_submissions s"
            " JOIN rm_agents a ON a.agent_id = s.agent_id"
            " WHERE s.status = 'in_progress' AND s.is_current = 1 AND a.last_seen < ?"
            " ORDER BY s.claimed_at LIMIT 100",
            (seen_before,),
        ).fetchall()


def ready_to_release(db: Database) -> list[str]:
    """Waiting tasks whose dependencies all read as completed (the command checks again)."""
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT t.id, t.doc FROM rm_submissions s JOIN rm_tasks t ON t.id = s.task_id"
            " WHERE s.status = 'waiting' AND s.is_current = 1 ORDER BY s.submitted_at LIMIT 200"
        ).fetchall()
        ready = []
        for row in rows:
            dependencies = sorted(set(loads(row["doc"]).get("dependencies") or []))
            if all(_completed(tx, dependency) for dependency in dependencies):
                ready.append(row["id"])
    return ready


def _completed(tx: Cursor, task_id: str) -> bool:
    row = tx.execute("SELECT status FROM rm_tasks WHERE id = ?", (task_id,)).fetchone()
    return row is not None and row["status"] == "completed"
