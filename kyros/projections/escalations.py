"""The escalations read model: one row per escalation with its whole status view as JSON."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps, loads
from kyros.projections.rowset import RowSet
from kyros.readstore.database import Cursor
from kyros.timefmt import iso, sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_escalations (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        status TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        overdue_alert TEXT,
        doc TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_escalations_submitted ON rm_escalations (submitted_at, id)",
    "CREATE INDEX IF NOT EXISTS rm_escalations_task ON rm_escalations (task_id, submitted_at)",
    "CREATE INDEX IF NOT EXISTS rm_escalations_status ON rm_escalations (status, expires_at)",
)


class EscalationsProjection:
    """`submitted_at` and `expires_at` columns are sortable text (filters, the scheduler);
    the document carries them in the spec's form."""

    name = "escalations"
    consumes = frozenset(
        {
            "Escalation.Submitted",
            "Escalation.HeldForApproval",
            "Escalation.AutoApproved",
            "Escalation.Approved",
            "Escalation.Rejected",
            "Escalation.Expired",
            "Escalation.Withdrawn",
            "Escalation.Completed",
            "Escalation.FlaggedOverdue",
        }
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_escalations")

    def apply(self, tx: Cursor, page: Page) -> None:
        """Folds the page into the escalations it changes (one SELECT), writes each once."""
        handled = []
        for _, event in page:
            kind = type(event).__qualname__
            if kind == "Escalation.Submitted" or kind in _CHANGES:
                handled.append((kind, event, public_id("esc", event.originator_id)))
        if not handled:
            return
        rows = RowSet("rm_escalations", "id", _COLUMNS)
        rows.load(tx, [escalation_id for kind, _, escalation_id in handled if kind in _CHANGES])
        for kind, event, escalation_id in handled:
            if kind == "Escalation.Submitted":
                rows.put(_submitted(event, escalation_id))
            else:
                _change(rows.get(escalation_id), event, _CHANGES[kind])
        rows.flush(tx)


_COLUMNS = ("id", "task_id", "status", "submitted_at", "expires_at", "overdue_alert", "doc")


def _change(row: dict[str, Any] | None, e: Any, handler: Any) -> None:
    """The document goes through its stored form at each event, as it always did."""
    if row is None:
        return
    doc = loads(row["doc"])
    handler(doc, e)
    row.update(status=doc["status"], overdue_alert=doc["overdue_alert_id"], doc=dumps(doc))


def _submitted(e: Any, escalation_id: str) -> dict[str, Any]:
    """A new row (a replayed submission replaces its row, as it always did)."""
    doc = {
        "escalation_id": escalation_id,
        "workflow_id": public_id("wf", e.originator_id),
        "task_id": e.task_id,
        "status": "pending_approval",
        "original_model": e.original_model,
        "target_model": e.target_model,
        "fallback_model": e.fallback_model,
        "reason": e.reason,
        "context": e.context,
        "priority": e.priority,
        "confidence": e.confidence,
        "estimated_cost": e.estimated_cost,
        "actual_cost": None,
        "requested_by": e.actor,
        "submitted_at": iso(e.timestamp),
        "expires_at": iso(e.expires_at),
        "approval_required": True,
        "auto_approved": False,
        "rule": None,
        "decided_at": None,
        "decided_by": None,
        "decision_reason": None,
        "approver_comments": None,
        "approved_at": None,
        "approved_by": None,
        "rejected_at": None,
        "expired_at": None,
        "withdrawn_at": None,
        "withdrawal_reason": None,
        "completed_at": None,
        "result": None,
        "overdue_alert_id": None,
    }
    return {
        "id": escalation_id,
        "task_id": e.task_id,
        "status": doc["status"],
        "submitted_at": sortable(e.timestamp),
        "expires_at": sortable(e.expires_at),
        "overdue_alert": None,
        "doc": dumps(doc),
    }


def _decided(doc: dict[str, Any], e: Any, status: str) -> None:
    at = iso(e.timestamp)
    doc.update(status=status, decided_at=at, decided_by=e.actor)
    doc[f"{status}_at"] = at
    if status == "approved":
        doc["approved_by"] = e.actor


def _auto_approved(doc: dict[str, Any], e: Any) -> None:
    _decided(doc, e, "approved")
    doc.update(auto_approved=True, approval_required=False, rule=e.rule)


def _approved(doc: dict[str, Any], e: Any) -> None:
    _decided(doc, e, "approved")
    doc.update(decision_reason=e.reason, approver_comments=e.comments)


def _rejected(doc: dict[str, Any], e: Any) -> None:
    _decided(doc, e, "rejected")
    doc.update(decision_reason=e.reason, approver_comments=e.comments)


def _expired(doc: dict[str, Any], e: Any) -> None:
    doc.update(status="expired", expired_at=iso(e.timestamp))


def _withdrawn(doc: dict[str, Any], e: Any) -> None:
    doc.update(status="withdrawn", withdrawn_at=iso(e.timestamp), withdrawal_reason=e.reason)


def _completed(doc: dict[str, Any], e: Any) -> None:
    doc.update(
        status="completed",
        completed_at=iso(e.timestamp),
        actual_cost=e.actual_cost,
        result=e.result,
    )


def _held_for_approval(doc: dict[str, Any], e: Any) -> None:
    doc["rule"] = e.rule


def _flagged_overdue(doc: dict[str, Any], e: Any) -> None:
    doc["overdue_alert_id"] = e.alert_id


_CHANGES = {
    "Escalation.HeldForApproval": _held_for_approval,
    "Escalation.AutoApproved": _auto_approved,
    "Escalation.Approved": _approved,
    "Escalation.Rejected": _rejected,
    "Escalation.Expired": _expired,
    "Escalation.Withdrawn": _withdrawn,
    "Escalation.Completed": _completed,
    "Escalation.FlaggedOverdue": _flagged_overdue,
}
