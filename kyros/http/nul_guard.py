"""Refuses NUL characters in a request's path or query, and query parameters the route does not
take, before any handler sees them.

PostgreSQL text cannot hold NUL, so an id or filter carrying one would fail deep in a query;
no resource can be named with one, and no filter can match one.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from litestar.types import ASGIApp, Receive, Scope, Send

from kyros.domain.text import UNSTORABLE_ISSUE, is_storable
from kyros.http.envelope import error_body
from kyros.http.known_query import unknown_query_refusal


def nul_guard_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _known_caller(scope):
            refusal = _refusal(scope)
            if refusal is not None:
                await _answer(scope, send, *refusal)
                return
        await app(scope, receive, send)

    return middleware


def _known_caller(scope: Scope) -> bool:
    """Anonymous callers of protected routes get the guards' 401 first, as everywhere."""
    handler = scope.get("route_handler")
    public = handler is not None and bool(handler.opt.get("public"))
    return public or scope.get("state", {}).get("principal") is not None


def _refusal(scope: Scope) -> tuple[int, str, str, dict[str, str]] | None:
    if not is_storable(scope["path"]):
        params = scope.get("path_params") or {}
        named = [name for name, value in params.items() if not is_storable(str(value))]
        details = {"field": named[0]} if named else {}
        return 404, "NOT_FOUND", "Resource not found", {**details, "issue": "Contains NUL"}
    query = scope.get("query_string", b"").decode("latin-1")
    pairs = parse_qsl(query, keep_blank_values=True)
    for name, value in pairs:
        if not is_storable(name) or not is_storable(value):
            field = name.replace("\x00", "")
            details = {"field": field, "issue": UNSTORABLE_ISSUE}
            return 422, "VALIDATION_ERROR", "Request validation failed", details
    unknown = unknown_query_refusal(scope, [name for name, _ in pairs])
    if unknown is not None:
        return 422, "VALIDATION_ERROR", "Request validation failed", unknown
    return None


async def _answer(
    scope: Scope, send: Send, status: int, code: str, message: str, details: dict[str, str]
) -> None:
    rid = str(scope.get("state", {}).get("request_id", ""))
    body = error_body(rid, code, message, details)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
