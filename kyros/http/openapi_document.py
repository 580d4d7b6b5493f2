"""Completes Litestar's OpenAPI document: the envelope, every error status, headers, raw bodies."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar.openapi.plugins import JsonRenderPlugin

from kyros.http.consistency import MIN_POSITION, POSITION
from kyros.http.openapi_bodies import RAW_BODIES
from kyros.http.openapi_costs_data import EXPORT_CONTENT
from kyros.http.openapi_data import DATA
from kyros.http.openapi_queries import constrain
from kyros.http.openapi_rules import apply_request_rules, constrain_path

REF = "#/components/schemas/{name}"
ERROR_CODES = (
    "VALIDATION_ERROR",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "TASK_NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "CONFLICT",
    "INVALID_STATE",
    "ACCOUNT_LOCKED",
    "BUDGET_EXCEEDED",
    "ESCALATION_ALREADY_DECIDED",
    "ESCALATION_EXPIRED",
    "ESCALATION_PENDING",
    "ESCALATION_REJECTED",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "RATE_LIMITED",
    "AGENT_UNAVAILABLE",
    "MODEL_UNAVAILABLE",
    "SERVICE_UNAVAILABLE",
    "INTERNAL_ERROR",
)
ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "description": "Every refusal: a stable code, a message, and `details.field` naming the "
    "offending input when there is one.",
    "required": ["success", "error", "timestamp", "request_id"],
    "properties": {
        "success": {"const": False},
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "enum": list(ERROR_CODES)},
                "message": {"type": "string"},
                "details": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "issue": {"type": "string"}},
                },
            },
        },
        "timestamp": {"type": "string", "format": "date-time"},
        "request_id": {"type": "string"},
    },
}
_RATE_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the current window of this endpoint group.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "Unix time (seconds) at which the window resets.",
}
_ERRORS = {  # status → why it happens (the response description)
    "400": "The escalation was refused by policy (ESCALATION_REJECTED).",
    "401": "No credential, or an invalid, expired or revoked one.",
    "403": "The caller's role lacks the permission this operation needs.",
    "404": "No resource with that id.",
    "409": "A conflicting change: a concurrent write, a state that forbids the change, or the "
    "same Idempotency-Key still in flight.",
    "413": "The request body is larger than the server accepts.",
    "415": "The request body's Content-Type is not one this operation reads.",
    "422": "Validation failed: a malformed or out-of-bounds body, path or query parameter, an "
    "unknown field or query parameter, or an Idempotency-Key reused with another body.",
    "423": "The account is locked after too many failed logins.",
    "429": "Rate limit exceeded; retry after Retry-After seconds.",
    "503": "A dependency is unavailable or the server is in maintenance; retry after "
    "Retry-After seconds.",
}
IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key with the same body replays the first "
    "answer (with `Idempotent-Replayed: true`); 409 while the first is in flight, 422 with a "
    "different body.",
    "schema": {"type": "string"},  # its length and syntax are the idempotency layer's to refuse
}
MIN_POSITION_PARAMETER: dict[str, Any] = {
    "name": MIN_POSITION,
    "in": "header",
    "required": False,
    "description": "A consistency token: the `X-Kyros-Position` of an earlier write. The "
    "request waits (bounded) until the read models it reads include that position; 503 with "
    "Retry-After if they are still behind at the bound, 422 if malformed or beyond the log's "
    "head.",
    "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
}
_POSITION_TEXT = (
    "The log position this write committed at (present when the request appended to the log): "
    "send it as X-Kyros-Min-Position to read the write back from any route."
)
_REPLAYED = {
    "description": "`true` when this answer replays an earlier request with the same "
    "Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}
_SIGN_INS = frozenset({"Login", "IssueToken", "RefreshToken", "CompleteOAuth2Login"})  # 401
_LOGIN = frozenset({"Login", "IssueToken", "CompleteOAuth2Login"})  # 423: a locked account
# 404 without a path id: the body names a task that does not exist, or the configuration names
# a model the catalog does not hold
_REFERS = frozenset({"SubmitEscalation", "SelectModel"})
_POLICY_REFUSALS = frozenset({"SubmitEscalation", "CompleteSubmission"})
_UNLIMITED_PREFIXES = ("/v1/health/",)  # never rate limited (kyros/http/rate_limit.py)
_METHODS = ("get", "put", "post", "delete", "patch")


def complete(document: dict[str, Any], idempotent: frozenset[str]) -> dict[str, Any]:
    """A copy of Litestar's document with the envelope on every JSON answer and every status
    the server really returns; handlers stay thin (they only name their operation_id).
    `idempotent` names the operations that honour an Idempotency-Key."""
    document = copy.deepcopy(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    apply_request_rules(schemas, REF)
    schemas["ErrorEnvelope"] = ERROR_ENVELOPE
    document["components"].setdefault("headers", {}).update(_header_components())
    data, components = msgspec.json.schema_components(DATA.values(), ref_template=REF)
    schemas.update(components)
    for operation_id, schema in zip(DATA, data, strict=True):
        schemas[f"{operation_id}Response"] = _success_envelope(schema)
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is not None:
                _complete_operation(path, method, operation, idempotent)
    return document


def idempotent_operations(app: Litestar) -> frozenset[str]:
    """The operation ids of the routes marked with `kyros.http.idempotency`'s options."""
    return frozenset(
        str(handler.operation_id)
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if "idempotency" in handler.opt and isinstance(handler.operation_id, str)
    )


def _complete_operation(
    path: str, method: str, operation: dict[str, Any], idempotent: frozenset[str]
) -> None:
    operation_id = operation.get("operationId", "")
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("400", None)  # Litestar's own 400; Kyros answers bad input with a 422
    limited = not path.startswith(_UNLIMITED_PREFIXES)
    for status, response in responses.items():
        if status.startswith("2") and operation_id in DATA:
            name = f"{operation_id}Response"
            response["content"] = {"application/json": {"schema": {"$ref": REF.format(name=name)}}}
        if status.startswith("2") and operation_id == "ExportCostLedger":
            response["content"] = EXPORT_CONTENT
        response["headers"] = {**response.get("headers", {}), **_headers(limited, status)}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query":
            constrain(operation_id, parameter)
        elif parameter.get("in") == "path":
            constrain_path(operation_id, parameter)
    if path.startswith("/v1/") and method == "get":  # a token is for reading a write back
        operation.setdefault("parameters", []).append(MIN_POSITION_PARAMETER)
    if method != "get":
        for status, response in responses.items():
            if status.startswith("2"):
                response["headers"][POSITION] = {"$ref": f"#/components/headers/{POSITION}"}
    if operation_id in RAW_BODIES:
        operation["requestBody"] = RAW_BODIES[operation_id]
    if operation_id in idempotent:
        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
        for status, response in responses.items():
            if status.startswith("2"):
                response["headers"]["Idempotent-Replayed"] = {
                    "$ref": "#/components/headers/Idempotent-Replayed"
                }
    for status in _error_statuses(path, method, operation):
        responses[status] = {
            "description": _ERRORS[status],
            "headers": _headers(limited, status),
            "content": {"application/json": {"schema": {"$ref": REF.format(name="ErrorEnvelope")}}},
        }


def _success_envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["success", "data", "message", "timestamp", "request_id"],
        "properties": {
            "success": {"const": True},
            "data": data,
            "message": {"type": ["string", "null"]},
            "timestamp": {"type": "string", "format": "date-time"},
            "request_id": {"type": "string"},
        },
    }


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    operation_id = operation.get("operationId", "")
    statuses = ["422", "503"]
    if not path.startswith(_UNLIMITED_PREFIXES):
        statuses.append("429")
    if operation.get("security") != [{}]:
        statuses += ["401", "403"]
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        statuses.append("404")
    if method in ("post", "put", "delete"):
        statuses.append("409")
    if "requestBody" in operation:
        statuses += ["413", "415"]
    if operation_id in _SIGN_INS:
        statuses.append("401")
    if operation_id in _LOGIN:
        statuses.append("423")
    if operation_id in _REFERS:
        statuses.append("404")
    if operation_id in _POLICY_REFUSALS:
        statuses.append("400")
    return sorted(set(statuses))


def _headers(limited: bool, status: str) -> dict[str, Any]:
    names = ["X-Request-ID"]
    if limited:
        names += list(_RATE_HEADERS)
    if status in ("429", "503"):
        names.append("Retry-After")
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _header_components() -> dict[str, Any]:
    described = {
        "X-Request-ID": ("This request's id (sent back if the client gave one).", "string"),
        **{name: (text, "integer") for name, text in _RATE_HEADERS.items()},
        "Retry-After": ("Seconds to wait before retrying.", "integer"),
        "Idempotent-Replayed": (_REPLAYED["description"], "string"),
        POSITION: (_POSITION_TEXT, "integer"),
    }
    return {
        name: {"description": text, "schema": {"type": kind}}
        for name, (text, kind) in described.items()
    }


class DocumentedJsonRenderPlugin(JsonRenderPlugin):
    """Serves /openapi.json completed once (the document is immutable per process)."""

    def __init__(self) -> None:
        super().__init__()
        self._completed: dict[str, Any] | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._completed is None:
            self._completed = complete(openapi_schema, idempotent_operations(request.app))
        return super().render(request, self._completed)
