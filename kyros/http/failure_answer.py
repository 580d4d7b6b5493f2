"""Answers a failure raised before the app's own exception handling, as that handling would."""

from __future__ import annotations

from typing import Any

from litestar.types import Receive, Scope, Send


async def answer_failure(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """Renders `exc` with the route's exception handlers through `send`.

    A failure in an outer middleware (a store that cannot authenticate the caller: 503) is
    otherwise answered by the app's outermost handler, past every `send` wrapper: the access
    log and metrics would record a 500 the client never got, and the answer would lack its
    X-Request-ID. Raises `exc` again when no handler is for it."""
    app: Any = scope["litestar_app"]
    route: Any = scope.get("route_handler")
    handlers = route.resolve_exception_handlers() if route is not None else app.exception_handlers
    handler = next((handlers[k] for k in type(exc).__mro__ if k in handlers), None)
    if handler is None:
        raise exc
    request = app.request_class(scope=scope, receive=receive, send=send)
    response = handler(request, exc)
    await response.to_asgi_response(app=None, request=request)(scope, receive, send)
