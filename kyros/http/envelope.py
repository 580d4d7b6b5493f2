"""The spec's response envelope, for successes and errors alike."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response

from kyros.ids import new_id
from kyros.timefmt import iso, now

_encoder = msgspec.json.Encoder(decimal_format="number")
MEDIA_TYPE = "application/json"


def request_id(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def ok(
    request: Request[Any, Any, Any],
    data: Any,
    *,
    status: int = 200,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    body = {
        "success": True,
        "data": data,
        "message": message,
        "timestamp": iso(now()),
        "request_id": request_id(request),
    }
    return Response(
        _encoder.encode(body), status_code=status, media_type=MEDIA_TYPE, headers=headers
    )


def error_body(rid: str, code: str, message: str, details: dict[str, Any]) -> bytes:
    return _encoder.encode(
        {
            "success": False,
            "error": {"code": code, "message": message, "details": details},
            "timestamp": iso(now()),
            "request_id": rid,
        }
    )


def fail(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    rid = request_id(request)
    if not rid:  # unmatched routes run outside the route middleware stack
        rid = new_id("req")
        headers = {**(headers or {}), "X-Request-ID": rid}
    body = error_body(rid, code, message, details or {})
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)
