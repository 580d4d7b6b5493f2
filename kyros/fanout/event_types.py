"""What each domain event means outside: its WebSocket type, webhook type, reader and data.

One row per domain event class (`Aggregate.Event`). To publish a new event, add a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kyros.fanout.changes import CHANGE_WS_TYPES, CHANGES, change_data, hook_type
from kyros.ids import public_id
from kyros.timefmt import iso

Data = dict[str, Any]

# WebSocket message types a client may subscribe to, and the permission each needs.
WS_TYPES: dict[str, str] = {
    "task_status": "read_tasks",
    "task_progress": "read_tasks",
    "task_updated": "read_tasks",
    "escalation_status": "read_escalations",
    "system_alerts": "read_monitoring",
    **CHANGE_WS_TYPES,
}


@dataclass(frozen=True, slots=True)
class Route:
    ws_type: str | None  # None: not pushed to WebSockets
    hook_type: str | None  # None: not sent to webhooks
    build: Callable[[Any], Data]


@dataclass(frozen=True, slots=True)
class Published:
    """One event as the outside sees it."""

    ws_type: str | None
    hook_type: str | None
    permission: str
    task_id: str | None
    timestamp: str
    data: Data


def _task(e: Any, status: str | None = None, **extra: Any) -> Data:
    data: Data = {"task_id": public_id("task", e.originator_id)}
    if status is not None:
        data["status"] = status
    return {**data, **extra, "changed_by": e.actor}


def _created(e: Any) -> Data:
    return _task(
        e,
        "pending",
        title=e.title,
        type=e.task_type,
        priority=e.priority,
        assignee_role=e.assignee_role,
        tags=e.tags,
        created_at=iso(e.timestamp),
    )


def _updated(e: Any) -> Data:
    changes = {
        ("type" if name == "task_type" else name): iso(c["new"]) if name == "deadline" else c["new"]
        for name, c in e.changes.items()
    }
    return _task(e, changes=changes)


def _submitted(e: Any) -> Data:
    return _task(e, e.status, role=e.role, model=e.model, premium=e.premium)


def _progress(e: Any) -> Data:
    """The spec's `task_progress` shape; Kyros has no estimate of completion yet (null)."""
    percentage = round(100 * e.completed_steps / e.total_steps)
    progress = {
        "completed_steps": e.completed_steps,
        "total_steps": e.total_steps,
        "percentage": percentage,
    }
    return _task(
        e, "in_progress", progress=progress, current_step=e.current_step, estimated_completion=None
    )


def _escalation(e: Any, status: str, **extra: Any) -> Data:
    """The spec's `escalation_status` shape; `changed_by` as on task messages."""
    data: Data = {"escalation_id": public_id("esc", e.originator_id), "task_id": e.task_id}
    return {**data, "status": status, **extra, "changed_by": e.actor}


def _escalation_submitted(e: Any) -> Data:
    return _escalation(
        e,
        "pending_approval",
        original_model=e.original_model,
        target_model=e.target_model,
        estimated_cost=e.estimated_cost,
        priority=e.priority,
        reason=e.reason,
        submitted_at=iso(e.timestamp),
    )


def _escalation_decided(e: Any, status: str, auto: bool = False) -> Data:
    at = iso(e.timestamp)
    if status == "approved":
        return _escalation(e, status, approved_by=e.actor, approved_at=at, auto_approved=auto)
    return _escalation(e, status, rejected_by=e.actor, rejected_at=at, reason=e.reason)


def _alert(e: Any, status: str) -> Data:
    data: Data = {"alert_id": public_id("alert", e.originator_id), "status": status}
    if status == "active":
        data |= {
            "type": e.alert_type,
            "severity": e.severity,
            "message": e.message,
            "details": e.details,
        }
    return {**data, f"{'created' if status == 'active' else status}_at": iso(e.timestamp)}


CATALOG: dict[str, Route] = {
    "Task.Created": Route("task_status", "task.created", _created),
    "Task.Updated": Route("task_updated", "task.updated", _updated),
    "Task.Submitted": Route("task_status", "task.submitted", _submitted),
    "Task.Assigned": Route(
        "task_status", "task.started", lambda e: _task(e, "in_progress", assigned_to=e.agent_id)
    ),
    "Task.ProgressReported": Route("task_progress", "task.progress", _progress),
    "Task.Completed": Route(
        "task_status",
        "task.completed",
        lambda e: _task(e, "completed", results=e.results, feedback=e.feedback),
    ),
    "Task.Failed": Route("task_status", "task.failed", lambda e: _task(e, "failed", error=e.error)),
    "Task.Cancelled": Route(
        "task_status", "task.cancelled", lambda e: _task(e, "cancelled", reason=e.reason)
    ),
    "Task.DependenciesMet": Route(
        "task_status", "task.dependencies_met", lambda e: _task(e, e.status)
    ),
    "Task.Requeued": Route(
        "task_status",
        "task.requeued",
        lambda e: _task(e, "queued", reason=e.reason, model=e.model),
    ),
    "Escalation.Submitted": Route(
        "escalation_status", "escalation.requested", _escalation_submitted
    ),
    "Escalation.AutoApproved": Route(
        "escalation_status",
        "escalation.approved",
        lambda e: _escalation_decided(e, "approved", auto=True),
    ),
    "Escalation.Approved": Route(
        "escalation_status", "escalation.approved", lambda e: _escalation_decided(e, "approved")
    ),
    "Escalation.Rejected": Route(
        "escalation_status", "escalation.rejected", lambda e: _escalation_decided(e, "rejected")
    ),
    "Escalation.Expired": Route(
        "escalation_status",
        "escalation.expired",
        lambda e: _escalation(e, "expired", expired_at=iso(e.timestamp)),
    ),
    "Escalation.Withdrawn": Route(
        "escalation_status",
        "escalation.withdrawn",
        lambda e: _escalation(e, "withdrawn", reason=e.reason),
    ),
    "Escalation.Completed": Route(
        "escalation_status",
        "escalation.completed",
        lambda e: _escalation(
            e,
            "completed",
            actual_cost=e.actual_cost,
            result=e.result,
            completed_at=iso(e.timestamp),
        ),
    ),
    "Alert.Raised": Route("system_alerts", "alert.raised", lambda e: _alert(e, "active")),
    "Alert.Acknowledged": Route(
        "system_alerts", "alert.acknowledged", lambda e: _alert(e, "acknowledged")
    ),
    "Alert.Resolved": Route("system_alerts", "alert.resolved", lambda e: _alert(e, "resolved")),
    **{q: Route(ws_type, hook_type(q), change_data) for q, ws_type in CHANGES.items()},
}
_HOOK_PERMISSION = {
    "task": "read_tasks",
    "escalation": "read_escalations",
    "alert": "read_monitoring",
}


def publish(event: Any) -> Published | None:
    """The outside view of one domain event, or None for events nobody outside is told of."""
    route = CATALOG.get(type(event).__qualname__)
    if route is None:
        return None
    data = route.build(event)
    ws_permission = WS_TYPES.get(route.ws_type or "")
    hook_family = (route.hook_type or "").split(".", 1)[0]
    return Published(
        ws_type=route.ws_type,
        hook_type=route.hook_type,
        permission=ws_permission or _HOOK_PERMISSION.get(hook_family, "read_monitoring"),
        task_id=data.get("task_id"),
        timestamp=iso(event.timestamp) or "",
        data=data,
    )
