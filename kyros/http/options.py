"""OPTIONS answers for any caller, with an Allow header naming every method its path serves.

Litestar builds one OPTIONS handler per path, bound to the first handler registered there, so
its Allow header missed methods added later (`OPTIONS /v1/tasks` said `OPTIONS, POST`), and it
inherited that controller's guards (an anonymous OPTIONS on a webhook was 401). Discovery needs
neither a credential nor a permission.
"""

from __future__ import annotations

from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, Scope, Send

_GENERATED = "HTTPRoute.create_options_handler"


def options_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS" and _generated(scope):
            allow = ", ".join(_methods(scope)).encode()
            await send(
                {"type": "http.response.start", "status": 204, "headers": [(b"allow", allow)]}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    return middleware


def _generated(scope: Scope) -> bool:
    """Only Litestar's own OPTIONS handler is replaced; a route declaring OPTIONS keeps it."""
    handler = scope.get("route_handler")
    return handler is not None and handler.fn.__qualname__.startswith(_GENERATED)


def _methods(scope: Scope) -> list[str]:
    template = scope.get("path_template", "")
    for route in scope["app"].routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            return sorted(route.methods)
    return ["OPTIONS"]
