"""Domain errors, each carrying the spec's error code and the field at fault."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes; the HTTP layer maps `code` and `status`."""

    code = "VALIDATION_ERROR"
    status = 422

    def __init__(self, issue: str, *, field: str | None = None) -> None:
        super().__init__(issue)
        self.issue = issue
        self.field = field


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404


class TaskNotFound(NotFound):
    code = "TASK_NOT_FOUND"

    def __init__(self, task_id: str) -> None:
        super().__init__(f"Task {task_id} does not exist", field="task_id")


class InvalidState(DomainError):
    """An action that the aggregate's current state does not allow."""

    code = "INVALID_STATE"
    status = 409


class Conflict(DomainError):
    """Another writer changed the aggregate first; the caller should reload and retry."""

    code = "CONFLICT"
    status = 409
