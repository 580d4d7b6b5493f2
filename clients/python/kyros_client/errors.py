"""One exception class per error code of the Kyros API, carrying the error envelope."""

from __future__ import annotations

from typing import Any


class KyrosError(Exception):
    """An answer the server refused, or no answer at all (`status` is then None)."""

    code = "KYROS_ERROR"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code or type(self).code
        self.details = details or {}
        self.request_id = request_id
        self.retry_after = retry_after

    @property
    def field(self) -> str | None:
        """The offending input the server named (`details.field`), if any."""
        return self.details.get("field")

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.code}: {self.message}{where}"


class ConnectionFailed(KyrosError):
    """The server could not be reached or did not answer in time (after the retries)."""

    code = "CONNECTION_FAILED"


def _define(code: str, base: type[KyrosError] = KyrosError) -> type[KyrosError]:
    name = "".join(word.title() for word in code.split("_"))
    return type(name, (base,), {"code": code, "__doc__": f"The server answered `{code}`."})


ValidationError = _define("VALIDATION_ERROR")
Unauthorized = _define("UNAUTHORIZED")
Forbidden = _define("FORBIDDEN")
NotFound = _define("NOT_FOUND")
TaskNotFound = _define("TASK_NOT_FOUND", NotFound)
MethodNotAllowed = _define("METHOD_NOT_ALLOWED")
Conflict = _define("CONFLICT")
InvalidState = _define("INVALID_STATE", Conflict)
AccountLocked = _define("ACCOUNT_LOCKED")
BudgetExceeded = _define("BUDGET_EXCEEDED")
EscalationAlreadyDecided = _define("ESCALATION_ALREADY_DECIDED", Conflict)
EscalationExpired = _define("ESCALATION_EXPIRED")
EscalationPending = _define("ESCALATION_PENDING")
EscalationRejected = _define("ESCALATION_REJECTED")
PayloadTooLarge = _define("PAYLOAD_TOO_LARGE")
UnsupportedMediaType = _define("UNSUPPORTED_MEDIA_TYPE")
RateLimited = _define("RATE_LIMITED")
AgentUnavailable = _define("AGENT_UNAVAILABLE")
ModelUnavailable = _define("MODEL_UNAVAILABLE")
ServiceUnavailable = _define("SERVICE_UNAVAILABLE")
InternalError = _define("INTERNAL_ERROR")

BY_CODE: dict[str, type[KyrosError]] = {
    cls.code: cls
    for cls in (
        ValidationError,
        Unauthorized,
        Forbidden,
        NotFound,
        TaskNotFound,
        MethodNotAllowed,
        Conflict,
        InvalidState,
        AccountLocked,
        BudgetExceeded,
        EscalationAlreadyDecided,
        EscalationExpired,
        EscalationPending,
        EscalationRejected,
        PayloadTooLarge,
        UnsupportedMediaType,
        RateLimited,
        AgentUnavailable,
        ModelUnavailable,
        ServiceUnavailable,
        InternalError,
    )
}


def from_envelope(
    status: int, envelope: Any, request_id: str | None, retry_after: float | None
) -> KyrosError:
    """The exception for an error answer; an unknown code still gets a KyrosError."""
    error = envelope.get("error") if isinstance(envelope, dict) else None
    if not isinstance(error, dict):
        return KyrosError(
            f"HTTP {status}",
            status=status,
            code=f"HTTP_{status}",
            request_id=request_id,
            retry_after=retry_after,
        )
    code = str(error.get("code") or f"HTTP_{status}")
    details = error.get("details") if isinstance(error.get("details"), dict) else {}
    return BY_CODE.get(code, KyrosError)(
        str(error.get("message") or code),
        status=status,
        code=code,
        details=details,
        request_id=envelope.get("request_id") or request_id,
        retry_after=retry_after,
    )
