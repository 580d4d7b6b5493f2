"""Escalation queries over the escalations read model."""

from __future__ import annotations

from typing import Any

import msgspec

from kyros.ids import parse_id
from kyros.projections.jsondoc import loads
from kyros.readstore.database import Database


class EscalationFilter(msgspec.Struct, frozen=True, kw_only=True):
    """`submitted_from` (inclusive) and `submitted_before` (exclusive) are sortable times."""

    status: tuple[str, ...] = ()
    task_id: str | None = None
    submitted_from: str | None = None
    submitted_before: str | None = None
    limit: int = 50
    offset: int = 0


def get_escalation(db: Database, escalation_id: str) -> dict[str, Any] | None:
    """None for an unknown id, and for a malformed one without asking the database."""
    if parse_id("esc", escalation_id) is None:
        return None
    with db.transaction(write=False) as tx:
        row = tx.execute("SELECT doc FROM rm_escalations WHERE id = ?", (escalation_id,)).fetchone()
    return loads(row["doc"]) if row else None  # type: ignore[no-any-return]


def list_escalations(db: Database, f: EscalationFilter) -> tuple[list[dict[str, Any]], int]:
    """One page, newest first, and the total matching count."""
    where: list[str] = []
    params: list[Any] = []
    if f.status:
        where.append(f"status IN ({', '.join('?' * len(f.status))})")
        params.extend(f.status)
    for clause, value in (
        ("task_id = ?", f.task_id),
        ("submitted_at >= ?", f.submitted_from),
        ("submitted_at < ?", f.submitted_before),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    with db.transaction(write=False) as tx:
        total = tx.execute(
            f"SELECT COUNT(*) AS n FROM rm_escalations {condition}", params
        ).fetchone()
        rows = tx.execute(
            f"SELECT doc FROM rm_escalations {condition}"
            " ORDER BY submitted_at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, f.limit, f.offset],
        ).fetchall()
    return [loads(r["doc"]) for r in rows], int(total["n"]) if total else 0
