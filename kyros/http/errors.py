"""Maps every failure to the spec's error envelope in one place; bad input is never a 500."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from kyros.domain.budget import ENFORCEMENTS, PERIODS, SCOPES
from kyros.domain.errors import DomainError
from kyros.domain.vocabulary import PRIORITIES, ROLES, TASK_TYPES
from kyros.eventstore.committed import unread_write
from kyros.http.consistency import CONSISTENCY_HANDLERS
from kyros.http.envelope import fail
from kyros.http.schemas.tasks import SETTABLE_STATUSES
from kyros.http.unavailable import UNAVAILABLE_HANDLERS, saved_response

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}
_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_NAMED_FIELD = re.compile(r"(?:unknown|required) field `([^`]+)`")
_ENUMS = {
    "type": TASK_TYPES,
    "priority": PRIORITIES,
    "assignee_role": ROLES,
    "status": SETTABLE_STATUSES,  # only PUT bodies carry a status; list filters parse their own
    "decision": ("approved", "rejected"),
    "period": PERIODS,  # budgets; the monitoring endpoints parse their own
    "scope": SCOPES,
    "enforcement": ENFORCEMENTS,
}


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    if exc.status == 404 and unread_write():  # committed, not readable yet: never an error
        return saved_response(request)
    details = {"field": exc.field, "issue": exc.issue} if exc.field else {"issue": exc.issue}
    headers = _CHALLENGE if exc.status == 401 else None
    message = _MESSAGES.get(exc.code, exc.issue)
    return fail(request, exc.status, exc.code, message, details, headers=headers)


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    field, issue = _describe(exc)
    details = {"field": field, "issue": issue}
    return fail(request, 422, "VALIDATION_ERROR", "Request validation failed", details)


def _describe(exc: ValidationException) -> tuple[str, str]:
    """Splits Litestar's msgspec message '<issue> - at `$.path`' into field and issue."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    first: dict[str, Any] = extra[0] if extra and isinstance(extra[0], dict) else {}
    message = str(first.get("message") or exc.detail)
    if message == "'data'":  # Litestar's KeyError text when the body is missing
        return "body", "A JSON request body is required"
    match = _AT_PATH.search(message)
    path, issue = (match.group(1), message[: match.start()]) if match else ("", message)
    key = str(first.get("key") or "")
    if not path and key not in ("", "data"):
        path = key
    named = _NAMED_FIELD.search(issue)
    if named:
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    leaf = path.rsplit(".", 1)[-1]
    if issue.startswith("Invalid enum value") and leaf in _ENUMS:
        issue = f"Must be one of: {', '.join(_ENUMS[leaf])}"
    if path:
        return path, issue
    if "JSON" in message or "decode" in message.lower():
        return "body", "Malformed JSON"
    return "body", message


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[bytes]:
    details = {"field": "body", "issue": "Nested too deeply"}
    return fail(request, 422, "VALIDATION_ERROR", "Request validation failed", details)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    code = _STATUS_CODES.get(status, "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR")
    if status == 400:
        status = 422
        return fail(request, status, code, "Request validation failed", _bad_request(exc))
    headers = dict(exc.headers or {})
    return fail(request, status, code, str(exc.detail), {}, headers=headers)


def _bad_request(exc: HTTPException) -> dict[str, str]:
    detail = str(exc.detail)
    if "JSON" in detail or "decode" in detail.lower():
        return {"field": "body", "issue": "Malformed JSON"}
    return {"field": "body", "issue": detail}


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("unhandled error", exc_info=exc)
    return fail(request, 500, "INTERNAL_ERROR", "Internal server error")


_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kyros"'}  # RFC 6750 §3
_MESSAGES = {
    "UNAUTHORIZED": "Authentication required or failed",
    "FORBIDDEN": "Insufficient permissions",
    "VALIDATION_ERROR": "Request validation failed",
    "CONFLICT": "The resource was changed concurrently",
}

EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    DomainError: _domain,
    ValidationException: _validation,
    RecursionError: _too_deep,
    HTTPException: _http,
    **CONSISTENCY_HANDLERS,  # X-Kyros-Min-Position not reached in time: 503
    **UNAVAILABLE_HANDLERS,  # the store down, busy or locked: 503 with Retry-After
    Exception: _internal,
}
