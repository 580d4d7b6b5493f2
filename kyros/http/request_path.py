"""The one middleware every request passes first: its id, its caller, its rate limit, its
access log line.

One layer instead of four nested ones: one `send` wrapper stamps X-Request-ID and the rate
limit's headers and notes the status; the caller comes from the credential cache without a
thread hop when it is known; the in-memory rate window is counted on the event loop; the access
line is queued for its writer thread. What a client sees is what the four layers gave it: the
same headers, the same 429 envelope, the same 401s (from the guards, which read what this
sets in the scope's state).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from kyros.http.access_log import AccessLog
from kyros.http.auth import Authenticator
from kyros.http.failure_answer import answer_failure
from kyros.http.rate_limit import RateLimits, refuse
from kyros.http.rate_limiter import encoded_headers
from kyros.http.request_id import request_id_of
from kyros.observability.http_metrics import HttpMetrics
from kyros.observability.request_context import REQUEST_ID

# nginx's status for a client that closed its connection before it was answered: logged and
# counted as such, not as the 500 Litestar answers a request body cut short with.
CLIENT_CLOSED = 499


def request_path_middleware(
    authenticator: Authenticator,
    rate_limits: RateLimits,
    access_log: AccessLog,
    metrics: HttpMetrics,
) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            kind = scope["type"]
            if kind != "http" and kind != "websocket":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            rid = request_id_of(scope["headers"])
            scope.setdefault("state", {})["request_id"] = rid  # type: ignore[typeddict-item]
            extra: list[tuple[bytes, bytes]] = []
            status = 500  # what the client gets if the app fails before answering
            started_answer = gone = False

            async def receive_noted() -> Message:
                nonlocal gone
                message = await receive()
                gone = gone or message["type"] == "http.disconnect"
                return message

            async def send_stamped(message: Message) -> None:
                nonlocal status, started_answer
                if message["type"] == "http.response.start":
                    status, started_answer = message["status"], True
                    set_headers(message, [*extra, (b"x-request-id", rid.encode("latin-1"))])
                await send(message)

            token = REQUEST_ID.set(rid)
            try:
                try:
                    await authenticator.authenticate(scope)
                    standing = await rate_limits.count(scope)
                    if standing is not None:
                        if not standing.allowed:
                            await refuse(scope, send_stamped, standing)
                            return
                        extra = encoded_headers(standing)
                    await app(scope, receive_noted if kind == "http" else receive, send_stamped)
                except Exception as exc:  # raised by a middleware: answered here, logged as sent
                    if started_answer or kind != "http":
                        raise
                    await answer_failure(scope, receive, send_stamped, exc)
            finally:
                REQUEST_ID.reset(token)
                if kind == "http":
                    if gone and status >= 500:  # the answer to a body cut short reached no one
                        status = CLIENT_CLOSED
                    seconds = time.perf_counter() - started
                    method, route = scope["method"], scope["path_template"]
                    metrics.observe(method, route, status, seconds)
                    principal = scope["state"].get("principal")  # type: ignore[typeddict-item]
                    who = principal.subject if principal is not None else None
                    access_log.record(rid, method, route, status, seconds, who)

        return middleware

    return wrap


def set_headers(message: Message, fields: list[tuple[bytes, bytes]]) -> None:
    """Sets each header as `MutableScopeHeaders.__setitem__` does: the first of the name is
    replaced in place, any others removed, else it is appended."""
    headers: list[tuple[bytes, bytes]] = list(message.get("headers") or ())  # type: ignore[arg-type]
    present = {n.lower() for n, _ in headers}
    for name, value in fields:
        if name not in present:  # the usual case: one look at the names, not one per field
            headers.append((name, value))
            present.add(name)
            continue
        at = [i for i, (n, _) in enumerate(headers) if n.lower() == name]
        for i in reversed(at[1:]):
            del headers[i]
        headers[at[0]] = (name, value)
    message["headers"] = headers  # type: ignore[typeddict-unknown-key]
