"""The agent worker protocol's reports: /v1/submissions/{submission_id}/progress|complete|fail."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, post

from kyros.bootstrap import Kyros
from kyros.commands.submissions import (
    CompleteSubmission,
    FailSubmission,
    ReportProgress,
    UsageReport,
)
from kyros.domain.agent import SubmissionNotFound
from kyros.domain.errors import TaskNotFound
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.schemas.agents import CompleteRequest, FailRequest
from kyros.http.schemas.bounds import check_json
from kyros.http.schemas.tasks import ProgressIn
from kyros.queries.queue import get_submission
from kyros.queries.tasks import get_task


class SubmissionController(Controller):
    """Each report is refused (403) unless the caller's agent holds the submission now."""

    path = "/submissions"
    opt = reads("queue", "tasks")
    tags = ["Agent workers"]
    guards = [requires("report_work")]

    @post("/{submission_id:str}/progress", operation_id="ReportSubmissionProgress", status_code=200)
    async def progress(
        self,
        request: Request[Any, Any, Any],
        submission_id: str,
        data: ProgressIn,
        kyros: Kyros,
        actor: str,
    ) -> Response[bytes]:
        task_id = await _task_of(kyros, submission_id)
        command = ReportProgress(
            submission_id=submission_id,
            task_id=task_id,
            actor=actor,
            **msgspec.structs.asdict(data),
        )
        await kyros.execute(command)
        return ok(request, await _view(kyros, task_id))

    @post("/{submission_id:str}/complete", operation_id="CompleteSubmission", status_code=200)
    async def complete(
        self,
        request: Request[Any, Any, Any],
        submission_id: str,
        data: CompleteRequest,
        kyros: Kyros,
        actor: str,
    ) -> Response[bytes]:
        """Prices `usage` with the model's catalog prices; the task shows the cost after."""
        check_json(data.results, "results")
        task_id = await _task_of(kyros, submission_id)
        command = CompleteSubmission(
            submission_id=submission_id,
            task_id=task_id,
            actor=actor,
            results=data.results,
            usage=UsageReport(**msgspec.structs.asdict(data.usage)),
            feedback=data.feedback,
        )
        await kyros.execute(command)
        return ok(request, await _view(kyros, task_id))

    @post("/{submission_id:str}/fail", operation_id="FailSubmission", status_code=200)
    async def fail(
        self,
        request: Request[Any, Any, Any],
        submission_id: str,
        data: FailRequest,
        kyros: Kyros,
        actor: str,
    ) -> Response[bytes]:
        """With `retryable`, the task may go back to the queue on the fallback model."""
        check_json(data.error, "error")
        task_id = await _task_of(kyros, submission_id)
        command = FailSubmission(
            submission_id=submission_id,
            task_id=task_id,
            actor=actor,
            error=data.error,
            retryable=data.retryable,
            max_retries=kyros.settings.agent_max_retries,
        )
        await kyros.execute(command)
        return ok(request, await _view(kyros, task_id))


async def _task_of(kyros: Kyros, submission_id: str) -> str:
    row = await in_thread(get_submission, kyros.db, submission_id)
    if row is None:
        raise SubmissionNotFound(submission_id)
    return str(row["task_id"])


async def _view(kyros: Kyros, task_id: str) -> dict[str, Any]:
    task = await in_thread(get_task, kyros.db, task_id)
    if task is None:
        raise TaskNotFound(task_id)
    return task
