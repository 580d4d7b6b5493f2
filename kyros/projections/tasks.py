"""The tasks read model: one row per task with sortable columns and the full view as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kyros.domain.vocabulary import PRIORITY_RANK
from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps, loads
from kyros.projections.rowset import CHUNK
from kyros.readstore.database import Cursor
from kyros.timefmt import from_sortable, iso, stamps

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_tasks (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        status TEXT NOT NULL,
        type TEXT NOT NULL,
        priority TEXT NOT NULL,
        priority_rank INTEGER NOT NULL,
        assignee_role TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deadline TEXT,
        doc TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_tasks_status ON rm_tasks (status, created_at)",
    "CREATE INDEX IF NOT EXISTS rm_tasks_created ON rm_tasks (created_at, id)",
    """
    CREATE TABLE IF NOT EXISTS rm_task_tags (
        task_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        PRIMARY KEY (task_id, tag)
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_task_tags_tag ON rm_task_tags (tag, task_id)",
)

_RENAMED = {"task_type": "type"}
_HOURS = Decimal("0.01")


class TasksProjection:
    """Loads each touched task once per page, applies its events in memory, writes it once."""

    name = "tasks"
    # For listings and windows; `apply` reads by primary key only (see `shadow.unread_indexes`).
    unread_indexes = frozenset(
        {
            "rm_tasks_status",
            "rm_tasks_created",
            "rm_task_tags_tag",
        }
    )
    consumes = frozenset(
        {
            "Task.Created",
            "Task.Updated",
            "Task.Submitted",
            "Task.Assigned",
            "Task.ProgressReported",
            "Task.Completed",
            "Task.Failed",
            "Task.Cancelled",
            "Task.DependenciesMet",
            "Task.Requeued",
            "Task.EscalationRequested",
            "Task.EscalationResolved",
            "Task.CostReserved",
            "Task.ReservationClosed",
        }
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_task_tags")
        tx.execute("DELETE FROM rm_tasks")

    def apply(self, tx: Cursor, page: Page) -> None:
        touched, born = _touched(page)
        if not touched:
            return
        docs = _load(tx, list({task_id for _, _, task_id in touched} - born))
        stored = set(docs)
        tagged = _fold(docs, touched)
        _save(tx, docs, stored, tagged)


def stored_document(events: Sequence[Any]) -> str:
    """The stored document of a task from all of its events, as `apply` folds and writes it: a
    write can answer with exactly what a later read returns without waiting for the read model."""
    touched, _ = _touched([(0, event) for event in events])
    docs: dict[str, dict[str, Any]] = {}
    _fold(docs, touched)
    if len(docs) != 1:
        raise ValueError("the events do not make one task")
    (doc,) = docs.values()
    return dumps(doc)


def _touched(page: Page) -> tuple[list[tuple[Any, Any, str]], set[str]]:
    """The page's task events with their handlers and public ids, and the tasks it creates
    (a task's first event: no row to read)."""
    ids: dict[Any, str] = {}  # public ids are costly to spell: once per task and page
    born: set[str] = set()
    touched = []
    for _, event in page:
        handler = _HANDLERS.get(type(event).__qualname__)
        if handler is not None:
            task_id = ids.get(event.originator_id)
            if task_id is None:
                task_id = ids[event.originator_id] = public_id("task", event.originator_id)
                if handler is _created:
                    born.add(task_id)
            touched.append((handler, event, task_id))
    return touched, born


def _fold(docs: dict[str, dict[str, Any]], touched: list[tuple[Any, Any, str]]) -> set[str]:
    """Applies the events to the documents in memory; returns the tasks whose tags may differ."""
    tagged: set[str] = set()
    last: dict[str, Any] = {}
    for handler, event, task_id in touched:
        doc = docs.setdefault(task_id, {})
        if handler is _created:
            _created(doc, event, task_id)
        else:
            handler(doc, event)
        if "version" not in doc:  # a new task: its stamp keys go where each event puts them
            doc.update(updated_at=None, _updated_sort=None, version=None)
        last[task_id] = event
        if handler is _created or (handler is _updated and "tags" in event.changes):
            tagged.add(task_id)
    for task_id, event in last.items():  # only the latest event's stamp survives the page
        doc = docs[task_id]
        doc["updated_at"], doc["_updated_sort"] = stamps(event.timestamp)
        doc["version"] = event.originator_version
    return tagged


def _load(tx: Cursor, ids: list[str]) -> dict[str, dict[str, Any]]:
    """One query per chunk of the page's tasks, not one per task: rebuilds are round-trip bound."""
    docs: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = tx.execute(f"SELECT id, doc FROM rm_tasks WHERE id IN ({marks})", chunk).fetchall()
        docs.update((row["id"], loads(row["doc"])) for row in rows)
    return docs


_COLUMNS = (
    "id",
    "title",
    "status",
    "type",
    "priority",
    "priority_rank",
    "assignee_role",
    "created_by",
    "created_at",
    "updated_at",
    "deadline",
    "doc",
)
_UPSERT = (
    f"INSERT INTO rm_tasks ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
    " ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
)


def _save(tx: Cursor, docs: dict[str, dict[str, Any]], stored: set[str], tagged: set[str]) -> None:
    """Tasks the table holds are upserted, the others (every one, in a rebuild) inserted as
    new rows (COPY on PostgreSQL); tags are rewritten only for tasks whose tags may differ."""
    old, new = [], []
    for task_id, doc in docs.items():
        row = (
            task_id,
            doc["title"],
            doc["status"],
            doc["type"],
            doc["priority"],
            PRIORITY_RANK[doc["priority"]],
            doc["assignee_role"],
            doc["created_by"],
            doc["_created_sort"],
            doc["_updated_sort"],
            doc["_deadline_sort"],
            dumps(doc),
        )
        (old if task_id in stored else new).append(row)
    if old:
        tx.executemany(_UPSERT, old)
    if new:
        tx.insert_new("rm_tasks", _COLUMNS, new)
    retagged = [task_id for task_id in tagged if task_id in stored]
    if retagged:
        tx.executemany("DELETE FROM rm_task_tags WHERE task_id = ?", [(t,) for t in retagged])
    tags = [(task_id, tag) for task_id in tagged for tag in sorted(set(docs[task_id]["tags"]))]
    if tags:
        tx.insert_new("rm_task_tags", ("task_id", "tag"), tags)


def _created(doc: dict[str, Any], e: Any, task_id: str) -> None:
    created_at, created_sort = stamps(e.timestamp)
    deadline, deadline_sort = stamps(e.deadline)
    doc.update(
        id=task_id,
        title=e.title,
        description=e.description,
        type=e.task_type,
        status="pending",
        priority=e.priority,
        assignee_role=e.assignee_role,
        created_at=created_at,
        created_by=e.actor,
        assigned_to=None,
        files_to_modify=e.files_to_modify,
        acceptance_criteria=e.acceptance_criteria,
        dependencies=e.dependencies,
        tags=e.tags,
        deadline=deadline,
        metadata=dict(e.metadata),
        progress=None,
        results=None,
        feedback=None,
        error=None,
        submission=None,
        escalation=None,
        budget_reservation=None,
        cancellation=None,
        started_at=None,
        completed_at=None,
        _created_sort=created_sort,
        _deadline_sort=deadline_sort,
    )
    _estimated_hours(doc)


def _updated(doc: dict[str, Any], e: Any) -> None:
    for name, change in e.changes.items():
        value = change["new"]
        if name == "deadline":
            value, doc["_deadline_sort"] = stamps(value)
        if name == "metadata":
            value = {**{k: doc["metadata"][k] for k in _DERIVED if k in doc["metadata"]}, **value}
        doc[_RENAMED.get(name, name)] = value
    _estimated_hours(doc)


_DERIVED = ("model_used", "cost", "actual_hours")


def _estimated_hours(doc: dict[str, Any]) -> None:
    doc["estimated_hours"] = doc["metadata"].get("estimated_hours")


def _submitted(doc: dict[str, Any], e: Any) -> None:
    doc["status"] = e.status
    doc["submission"] = {
        "submission_id": e.submission_id,
        "role": e.role,
        "model": e.model,
        "premium": e.premium,
        "estimated_cost": e.estimated_cost,
        "estimated_duration": e.estimated_duration,
        "waiting_on": e.waiting_on,
        "submitted_at": iso(e.timestamp),
        "retries": 0,
        "context": getattr(e, "context", None) or {},
        "preferences": getattr(e, "preferences", None) or {},
    }
    doc["assigned_to"] = None


def _dependencies_met(doc: dict[str, Any], e: Any) -> None:
    doc["status"] = e.status
    doc["submission"]["waiting_on"] = []


def _requeued(doc: dict[str, Any], e: Any) -> None:
    """Approved, retried on another model, or back from an agent whose lease expired."""
    doc["status"] = "queued"
    doc["assigned_to"] = None
    retries = doc["submission"].get("retries", 0) + (e.reason == "retry")
    doc["submission"].update(model=e.model, retries=retries, requeued_because=e.reason)
    _escalation_status(doc, _DECIDED_BY_REQUEUE.get(e.reason))


_DECIDED_BY_REQUEUE = {
    "approved": "approved",
    "rejected": "rejected",
    "escalation_expired": "expired",
}


def _escalation_status(doc: dict[str, Any], status: str | None) -> None:
    """The task's latest escalation as the task sees it; its full story is the escalation's."""
    if status is not None and doc.get("escalation") is not None:
        doc["escalation"]["status"] = status


def _escalation_requested(doc: dict[str, Any], e: Any) -> None:
    """Queued or failed work waits for the decision; other statuses keep theirs."""
    doc["escalation"] = {"escalation_id": e.escalation_id, "status": "pending_approval"}
    if doc["status"] in ("queued", "failed"):
        doc["status"] = "awaiting_approval"
        doc["assigned_to"] = None


def _escalation_resolved(doc: dict[str, Any], e: Any) -> None:
    """Decided before dispatch: a waiting submission will run on the decided model."""
    _escalation_status(doc, e.outcome)
    if doc["submission"] is not None:
        doc["submission"].update(model=e.model, premium=False)


def _assigned(doc: dict[str, Any], e: Any) -> None:
    doc["status"] = "in_progress"
    doc["assigned_to"] = e.agent_id
    doc["started_at"], doc["_started_sort"] = stamps(e.timestamp)


def _progress(doc: dict[str, Any], e: Any) -> None:
    doc["progress"] = {
        "completed_steps": e.completed_steps,
        "total_steps": e.total_steps,
        "percentage": round(100 * e.completed_steps / e.total_steps),
        "current_step": e.current_step,
    }


def _completed(doc: dict[str, Any], e: Any) -> None:
    doc["status"] = "completed"
    doc["results"] = e.results
    doc["feedback"] = e.feedback
    doc["completed_at"] = iso(e.timestamp)
    if doc["progress"] is not None:
        total = doc["progress"]["total_steps"]
        doc["progress"].update(completed_steps=total, percentage=100, current_step=None)
    usage = e.usage or {}
    if "model" in usage:
        doc["metadata"]["model_used"] = usage["model"]
    if "cost" in usage:
        doc["metadata"]["cost"] = usage["cost"]
    if doc.get("started_at"):
        elapsed = e.timestamp - from_sortable(doc["_started_sort"])
        hours = Decimal(elapsed.total_seconds()) / 3600
        doc["metadata"]["actual_hours"] = hours.quantize(_HOURS, rounding=ROUND_HALF_UP)


def _failed(doc: dict[str, Any], e: Any) -> None:
    doc["status"] = "failed"
    doc["error"] = e.error


def _cost_reserved(doc: dict[str, Any], e: Any) -> None:
    doc["budget_reservation"] = {"amount": e.amount, "model": e.model, "budgets": len(e.ledgers)}


def _reservation_closed(doc: dict[str, Any], e: Any) -> None:
    doc["budget_reservation"] = None


def _cancelled(doc: dict[str, Any], e: Any) -> None:
    doc["status"] = "cancelled"
    if (doc.get("escalation") or {}).get("status") == "pending_approval":
        _escalation_status(doc, "withdrawn")
    doc["cancellation"] = {
        "reason": e.reason,
        "cancelled_by": e.actor,
        "cancelled_at": iso(e.timestamp),
    }


_HANDLERS = {
    "Task.Created": _created,
    "Task.Updated": _updated,
    "Task.Submitted": _submitted,
    "Task.Assigned": _assigned,
    "Task.ProgressReported": _progress,
    "Task.Completed": _completed,
    "Task.Failed": _failed,
    "Task.Cancelled": _cancelled,
    "Task.DependenciesMet": _dependencies_met,
    "Task.Requeued": _requeued,
    "Task.EscalationRequested": _escalation_requested,
    "Task.EscalationResolved": _escalation_resolved,
    "Task.CostReserved": _cost_reserved,
    "Task.ReservationClosed": _reservation_closed,
}
