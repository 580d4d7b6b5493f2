"""The spec's enumerations, shared by the domain, the read models and the HTTP schemas."""

from __future__ import annotations

from typing import Literal, get_args

TaskType = Literal["implementation", "review", "design", "testing"]
Priority = Literal["low", "medium", "high", "critical"]
Role = Literal["architect", "implementer", "critic", "integrator"]
TaskStatus = Literal[
    "pending",
    "waiting",
    "queued",
    "awaiting_approval",
    "in_progress",
    "completed",
    "failed",
    "cancelled",
]

TASK_TYPES: tuple[str, ...] = get_args(TaskType)
PRIORITIES: tuple[str, ...] = get_args(Priority)
ROLES: tuple[str, ...] = get_args(Role)
TASK_STATUSES: tuple[str, ...] = get_args(TaskStatus)

PRIORITY_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}
