"""The Task Management API: /v1/tasks."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import Parameter, QueryParameter
from msgspec import UNSET
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.tasks import CancelTask, CreateTask, Progress, UpdateTask
from kyros.domain.errors import DomainError, TaskNotFound
from kyros.domain.task import EDITABLE_FIELDS
from kyros.domain.vocabulary import PRIORITIES, ROLES, TASK_STATUSES, TASK_TYPES
from kyros.http.as_of import AS_OF, AS_OF_POSITION, current_or_past
from kyros.http.auth import Principal, principal_of, requires, requires_any
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread, kyros_of, read_row
from kyros.http.envelope import ok
from kyros.http.idempotency import IDEMPOTENT
from kyros.http.query_params import choices
from kyros.http.schemas.bounds import check_json
from kyros.http.schemas.tasks import TaskCancel, TaskCreate, TaskUpdate
from kyros.http.task_answer import task_view
from kyros.ids import public_id
from kyros.queries.tasks import TASK_DOCUMENT, TaskFilter, get_task, list_tasks, task_document
from kyros.timetravel.reads import task_at

_WIRE_NAMES = {"task_type": "type"}  # the API's name where it differs from the domain's


class TaskController(Controller):
    path = "/tasks"
    opt = reads("tasks")
    tags = ["Tasks"]

    @post(
        "/",
        operation_id="CreateTask",
        status_code=201,
        guards=[requires("create_task")],
        opt=IDEMPOTENT,
    )
    async def create_task(
        self, request: Request[Any, Any, Any], data: TaskCreate, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        task_id = ULID().to_uuid()
        fields = msgspec.structs.asdict(data)
        check_json(fields, "")
        fields["task_type"] = fields.pop("type")
        command = CreateTask(task_id=task_id, actor=actor, **fields)
        created = {"id": public_id("task", task_id)}
        decided = await kyros.execute(command, created)  # answered from it: no read-back
        return ok(request, task_view(decided.events), status=201)

    @get("/{task_id:str}", operation_id="GetTask", guards=[requires("read_tasks")])
    async def get_task(
        self,
        request: Request[Any, Any, Any],
        task_id: str,
        as_of: str | None = AS_OF,
        as_of_position: int | None = AS_OF_POSITION,
    ) -> Response[bytes]:
        """Takes no injected dependency: Litestar resolves two or more in a task group of their
        own, two tasks spawned per request for what `request` already holds."""
        kyros = kyros_of(request)
        view = await current_or_past(
            kyros,
            principal_of(request),
            as_of,
            as_of_position,
            lambda: _read_stored(kyros, task_id),
            task_at,
            task_id,
            missing=TaskNotFound(task_id),
        )
        return ok(request, view)

    @get(
        "/",
        operation_id="ListTasks",
        guards=[requires("read_tasks")],
        opt=reads("tasks", "task_costs"),
    )
    async def list_tasks(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        status: str | None = Parameter(default=None, max_length=200),
        task_type: str | None = QueryParameter(name="type", default=None, max_length=200),
        priority: str | None = Parameter(default=None, max_length=200),
        assignee_role: str | None = Parameter(default=None, max_length=200),
        created_by: str | None = Parameter(default=None, max_length=200),
        tags: str | None = Parameter(default=None, max_length=1_000),
        limit: int = Parameter(default=50, ge=1, le=200),
        offset: int = Parameter(default=0, ge=0, le=10_000_000),
        sort_by: Literal["created_at", "updated_at", "priority", "deadline", "cost"] = "created_at",
        sort_order: Literal["asc", "desc"] = "desc",
    ) -> Response[bytes]:
        query = TaskFilter(
            status=choices("status", status, TASK_STATUSES, sort_names=False),
            type=choices("type", task_type, TASK_TYPES, sort_names=False),
            priority=choices("priority", priority, PRIORITIES, sort_names=False),
            assignee_role=choices("assignee_role", assignee_role, ROLES, sort_names=False),
            created_by=created_by,
            tags=choices("tags", tags, None),
            limit=limit,
            offset=offset,
            sort_by=sort_by,
            sort_order=sort_order,
        )
        items, total = await in_thread(list_tasks, kyros.db, query)
        pagination = {
            "total": total,
            "limit": limit,
            "offset": offset,
            "has_more": offset + len(items) < total,
        }
        return ok(request, {"tasks": items, "pagination": pagination})

    @put(
        "/{task_id:str}",
        operation_id="UpdateTask",
        guards=[requires_any("update_task", "report_work")],
    )
    async def update_task(
        self,
        request: Request[Any, Any, Any],
        task_id: str,
        data: TaskUpdate,
        kyros: Kyros,
        actor: str,
        principal: Principal,
    ) -> Response[bytes]:
        """Agents (`report_work` without `update_task`) may only report on work they hold."""
        command = msgspec.structs.replace(
            _update_command(task_id, actor, data),
            as_agent="update_task" not in principal.permissions,
        )
        decided = await kyros.execute(command)
        return ok(request, task_view(decided.events))

    @delete(
        "/{task_id:str}",
        operation_id="CancelTask",
        status_code=200,
        guards=[requires("cancel_task")],
    )
    async def cancel_task(
        self,
        request: Request[Any, Any, Any],
        task_id: str,
        kyros: Kyros,
        actor: str,
        data: TaskCancel | None = None,
    ) -> Response[bytes]:
        reason = data.reason if data is not None else None
        command = CancelTask(task_id=task_id, actor=actor, reason=reason)
        decided = await kyros.execute(command)
        return ok(request, task_view(decided.events), message="Task cancelled")


async def _read(kyros: Kyros, task_id: str) -> dict[str, Any]:
    task = await in_thread(get_task, kyros.db, task_id)
    if task is None:
        raise TaskNotFound(task_id)
    return task


async def _read_stored(kyros: Kyros, task_id: str) -> dict[str, msgspec.Raw]:
    task = task_document(await read_row(kyros.db, TASK_DOCUMENT, (task_id,)))
    if task is None:
        raise TaskNotFound(task_id)
    return task


def _update_command(task_id: str, actor: str, data: TaskUpdate) -> UpdateTask:
    given = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET}
    if not given:
        raise DomainError("Must change at least one field", field="body")
    check_json({k: v for k, v in given.items() if k != "progress"}, "")
    wire = {name: _WIRE_NAMES.get(name, name) for name in EDITABLE_FIELDS}
    fields = {name: given[wire[name]] for name in EDITABLE_FIELDS if wire[name] in given}
    progress = given.get("progress")
    return UpdateTask(
        task_id=task_id,
        actor=actor,
        fields=fields,
        status=given.get("status"),
        assigned_to=given.get("assigned_to"),
        progress=Progress(**msgspec.structs.asdict(progress)) if progress else None,
        results=given.get("results"),
        feedback=given.get("feedback"),
        error=given.get("error"),
    )
