"""The Escalation API: /v1/escalation/submit, /{id}/approve, /{id}/status and /v1/escalations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.escalations import DecideEscalation, SubmitEscalation
from kyros.domain.errors import DomainError
from kyros.domain.escalation_errors import EscalationNotFound
from kyros.http.as_of import AS_OF, AS_OF_POSITION, current_or_past
from kyros.http.auth import Principal, requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.idempotency import IDEMPOTENT
from kyros.http.query_params import choices, date_range
from kyros.http.schemas.bounds import check_json
from kyros.http.schemas.escalations import MAX_ESTIMATE, EscalationDecision, EscalationSubmit
from kyros.ids import parse_id, public_id
from kyros.queries.escalations import EscalationFilter, get_escalation, list_escalations
from kyros.timefmt import iso, now, sortable
from kyros.timetravel.reads import escalation_at

Req = Request[Any, Any, Any]
STATUSES = ("pending_approval", "approved", "rejected", "expired", "withdrawn", "completed")
_ALIASES = {"pending": "pending_approval"}


class EscalationController(Controller):
    path = "/"
    opt = reads("escalations")
    tags = ["Escalations"]

    @post(
        "/escalation/submit",
        operation_id="SubmitEscalation",
        status_code=201,
        guards=[requires("request_escalation")],
        opt=IDEMPOTENT,
    )
    async def submit(
        self, request: Req, data: EscalationSubmit, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """Asks for the premium model for a task; the configured rules may approve it at
        once (`status: approved`, `approval_required: false`); `rule` says why or why not."""
        command = _submit_command(data, actor)
        opened = (await kyros.execute(command)).opened
        view = await in_thread(get_escalation, kyros.db, opened.escalation_id) or {}
        answer = {
            "escalation_id": opened.escalation_id,
            "task_id": view.get("task_id", data.task_id),
            "status": opened.status,
            "submitted_at": view.get("submitted_at", iso(command.now)),
            "estimated_cost": opened.estimated_cost,
            "approval_required": opened.approval_required,
            "workflow_id": public_id("wf", command.escalation_id),
            "rule": opened.explanation,
        }
        return ok(request, answer, status=201)

    @post(
        "/escalation/{escalation_id:str}/approve",
        operation_id="DecideEscalation",
        status_code=200,
        guards=[requires("approve_escalation")],
        opt=IDEMPOTENT,
    )
    async def decide(
        self, request: Req, escalation_id: str, data: EscalationDecision, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """`decision` approved runs the task on the target model, rejected on the fallback.
        Never by the requester (403), never twice (409 ESCALATION_ALREADY_DECIDED)."""
        command = DecideEscalation(
            escalation_id=escalation_id,
            decision=data.decision,
            actor=actor,
            now=now(),
            reason=data.reason,
            comments=data.approver_comments,
        )
        await kyros.execute(command)
        return ok(request, await _read(kyros, escalation_id), message=f"Escalation {data.decision}")

    @get(
        "/escalation/{escalation_id:str}/status",
        operation_id="GetEscalationStatus",
        guards=[requires("read_escalations")],
    )
    async def status(
        self,
        request: Req,
        escalation_id: str,
        kyros: Kyros,
        principal: Principal,
        as_of: str | None = AS_OF,
        as_of_position: int | None = AS_OF_POSITION,
    ) -> Response[bytes]:
        view = await current_or_past(
            kyros,
            principal,
            as_of,
            as_of_position,
            lambda: _read(kyros, escalation_id),
            escalation_at,
            escalation_id,
            missing=EscalationNotFound(escalation_id),
        )
        return ok(request, view)

    @get("/escalations", operation_id="ListEscalations", guards=[requires("read_escalations")])
    async def list_escalations(
        self,
        request: Req,
        kyros: Kyros,
        status: str | None = Parameter(default=None, max_length=200),
        task_id: str | None = Parameter(default=None, max_length=100),
        from_date: str | None = Parameter(default=None, max_length=64),
        to_date: str | None = Parameter(default=None, max_length=64),
        limit: int = Parameter(default=50, ge=1, le=200),
        offset: int = Parameter(default=0, ge=0, le=10_000_000),
    ) -> Response[bytes]:
        """Newest first. `status` is comma-separated (`pending` = `pending_approval`);
        `from_date`/`to_date` are ISO dates (whole UTC days) or date-times (inclusive)."""
        if task_id is not None and parse_id("task", task_id) is None:
            raise DomainError("Must be a task id (task_…)", field="task_id")
        start, before = date_range(from_date, to_date)
        query = EscalationFilter(
            status=choices("status", status, STATUSES, _ALIASES),
            task_id=task_id,
            submitted_from=sortable(start),
            submitted_before=sortable(before),
            limit=limit,
            offset=offset,
        )
        items, total = await in_thread(list_escalations, kyros.db, query)
        more = offset + len(items) < total
        pagination = {"total": total, "limit": limit, "offset": offset, "has_more": more}
        return ok(request, {"escalations": items, "pagination": pagination})


def _submit_command(data: EscalationSubmit, actor: str) -> SubmitEscalation:
    check_json(data.context, "context")
    if not data.reason.strip():
        raise DomainError("Must not be blank", field="reason")
    return SubmitEscalation(
        escalation_id=ULID().to_uuid(),
        task_id=data.task_id,
        actor=actor,
        now=now(),
        reason=data.reason.strip(),
        original_model=data.original_model,
        target_model=data.target_model,
        context=data.context,
        estimated_cost=_estimate(data.estimated_cost),
        priority=data.priority,
    )


def _estimate(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or not 0 <= value <= MAX_ESTIMATE:
        raise DomainError(f"Must be a number between 0 and {MAX_ESTIMATE}", field="estimated_cost")
    if value.as_tuple().exponent < -6:  # type: ignore[operator]
        raise DomainError("At most 6 decimal places", field="estimated_cost")
    return value


async def _read(kyros: Kyros, escalation_id: str) -> dict[str, Any]:
    view = await in_thread(get_escalation, kyros.db, escalation_id)
    if view is None:
        raise EscalationNotFound(escalation_id)
    return view
