"""Request bodies for the tasks endpoints, with every bound a client can hit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from msgspec import UNSET, Meta, Struct, UnsetType

from kyros.domain.vocabulary import Priority, Role, TaskType

Title = Annotated[str, Meta(min_length=1, max_length=200)]
Description = Annotated[str, Meta(max_length=20_000)]
FilePath = Annotated[str, Meta(min_length=1, max_length=500)]
Criterion = Annotated[str, Meta(min_length=1, max_length=1_000)]
Tag = Annotated[str, Meta(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9._:/+-]+$")]
TaskRef = Annotated[str, Meta(pattern=r"^task_[0-9A-HJKMNP-TV-Z]{26}$")]
Deadline = Annotated[datetime, Meta(tz=True)]
Metadata = Annotated[dict[str, Any], Meta(max_length=50)]
Files = Annotated[list[FilePath], Meta(max_length=200)]
Criteria = Annotated[list[Criterion], Meta(max_length=50)]
Dependencies = Annotated[list[TaskRef], Meta(max_length=50)]
Tags = Annotated[list[Tag], Meta(max_length=20)]
Text = Annotated[str, Meta(max_length=10_000)]
AgentId = Annotated[str, Meta(min_length=1, max_length=100)]
Results = Annotated[dict[str, Any], Meta(max_length=100)]
SettableStatus = Literal["in_progress", "completed", "failed", "cancelled"]
SETTABLE_STATUSES: tuple[str, ...] = get_args(SettableStatus)


class TaskCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    title: Title
    description: Description = ""
    type: TaskType = "implementation"
    priority: Priority = "medium"
    assignee_role: Role | None = None
    files_to_modify: Files = []
    acceptance_criteria: Criteria = []
    dependencies: Dependencies = []
    tags: Tags = []
    deadline: Deadline | None = None
    metadata: Metadata = {}


class ProgressIn(Struct, forbid_unknown_fields=True, kw_only=True):
    completed_steps: Annotated[int, Meta(ge=0, le=100_000)]
    total_steps: Annotated[int, Meta(ge=1, le=100_000)]
    current_step: Annotated[str, Meta(max_length=500)] | None = None


class TaskUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Partial: only the fields present change; `null` clears the nullable ones."""

    title: Title | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    type: TaskType | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    assignee_role: Role | UnsetType | None = UNSET
    files_to_modify: Files | UnsetType = UNSET
    acceptance_criteria: Criteria | UnsetType = UNSET
    dependencies: Dependencies | UnsetType = UNSET
    tags: Tags | UnsetType = UNSET
    deadline: Deadline | UnsetType | None = UNSET
    metadata: Metadata | UnsetType = UNSET
    status: SettableStatus | UnsetType = UNSET
    assigned_to: AgentId | UnsetType = UNSET
    progress: ProgressIn | UnsetType = UNSET
    results: Results | UnsetType = UNSET
    feedback: Text | UnsetType = UNSET
    error: Text | UnsetType = UNSET


class TaskCancel(Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Annotated[str, Meta(min_length=1, max_length=2_000)] | None = None
