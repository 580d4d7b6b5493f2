"""Task queries over the tasks read model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from kyros.projections.jsondoc import loads
from kyros.readstore.database import Database, Row

SUMMARY_FIELDS = (
    "id",
    "title",
    "status",
    "type",
    "priority",
    "assignee_role",
    "created_by",
    "assigned_to",
    "tags",
    "created_at",
    "updated_at",
    "deadline",
    "progress",
)

_SORT_COLUMNS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "priority": "priority_rank",
    "deadline": "deadline",
    "cost": "c.micros",  # the recorded cost (rm_task_costs); tasks without one sort last
}
_COSTS_JOIN = "LEFT JOIN rm_task_costs c ON c.task_id = rm_tasks.id"


class TaskFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Each list is OR within itself; tags must all be present; filters AND together."""

    status: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    assignee_role: tuple[str, ...] = ()
    created_by: str | None = None
    tags: tuple[str, ...] = ()
    limit: int = 50
    offset: int = 0
    sort_by: str = "created_at"
    sort_order: str = "desc"


def public_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def get_task(db: Database, task_id: str) -> dict[str, Any] | None:
    with db.transaction(write=False) as tx:
        row = tx.execute("SELECT doc FROM rm_tasks WHERE id = ?", (task_id,)).fetchone()
    return public_view(loads(row["doc"])) if row else None


_STORED_FIELDS = msgspec.json.Decoder(dict[str, msgspec.Raw])
TASK_DOCUMENT = "SELECT doc FROM rm_tasks WHERE id = ?"  # its row for `task_document`


def task_document(row: Row | None) -> dict[str, msgspec.Raw] | None:
    """The task's public view from its row, each field's JSON as stored (see `stored_view`)."""
    return stored_view(row["doc"]) if row is not None else None


def stored_view(doc: str | bytes) -> dict[str, msgspec.Raw]:
    """The public view with each field's JSON as the read model encoded it, not decoded: an
    answer encodes it as it is, without building every value twice, and a write answering
    from its command (`projections.tasks.stored_document`) gives the very same bytes."""
    fields = _STORED_FIELDS.decode(doc)
    return {k: v for k, v in fields.items() if not k.startswith("_")}


def list_tasks(db: Database, f: TaskFilter) -> tuple[list[dict[str, Any]], int]:
    """One page of task summaries and the total matching count."""
    where: list[str] = []
    params: list[Any] = []
    for column in ("status", "type", "priority", "assignee_role"):
        values = getattr(f, column)
        if values:
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if f.created_by is not None:
        where.append("created_by = ?")
        params.append(f.created_by)
    if f.tags:
        where.append(
            "id IN (SELECT task_id FROM rm_task_tags WHERE tag IN "
            f"({', '.join('?' * len(f.tags))}) GROUP BY task_id HAVING COUNT(*) = ?)"
        )
        params.extend(f.tags)
        params.append(len(set(f.tags)))
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    column = _SORT_COLUMNS[f.sort_by]
    direction = "ASC" if f.sort_order == "asc" else "DESC"
    nulls = f"CASE WHEN {column} IS NULL THEN 1 ELSE 0 END, "
    order = f"ORDER BY {nulls}{column} {direction}, id {direction}"
    join = _COSTS_JOIN if f.sort_by == "cost" else ""
    with db.transaction(write=False) as tx:
        total_row = tx.execute(f"SELECT COUNT(*) AS n FROM rm_tasks {clause}", params).fetchone()
        rows = tx.execute(
            f"SELECT doc FROM rm_tasks {join} {clause} {order} LIMIT ? OFFSET ?",
            [*params, f.limit, f.offset],
        ).fetchall()
    items = [_summary(loads(r["doc"])) for r in rows]
    return items, int(total_row["n"]) if total_row else 0


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    """The list's fields, `model` (see `model_of`) and `metadata.cost`: the exact cost a
    completion recorded (null before, and for a client's own `cost` key that is not a number)."""
    cost = (doc.get("metadata") or {}).get("cost")
    number = isinstance(cost, Decimal | int) and not isinstance(cost, bool)
    return {
        **{k: doc.get(k) for k in SUMMARY_FIELDS},
        "model": model_of(doc),
        "metadata": {"cost": cost if number else None},
    }


def model_of(doc: dict[str, Any]) -> str | None:
    """The model a completion ran on (`metadata.model_used`), else the one the submission is
    routed to, so a list shows what each task costs on without reading every task."""
    used = (doc.get("metadata") or {}).get("model_used")
    if isinstance(used, str):
        return used
    submission = doc.get("submission") or {}
    model = submission.get("model")
    return model if isinstance(model, str) else None
