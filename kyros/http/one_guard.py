"""Each route runs its guards as one: Litestar hands every guard its own copy of the route
handler (`copy(handler)` per guard, 7-15 µs each here), three per request on most routes
(the caller, its read models' position, the permission), for guards that only read it.

Done at start-up, after the routes are registered: the guards stay declared per layer, as
Litestar and the walk over them see them; only the list each handler runs is replaced by one
guard calling them in their order, on the one copy Litestar makes. Were a later Litestar to
hand out a copy of that list, nothing would change: the guards would run as declared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.routes import HTTPRoute

Guard = Any  # litestar.types.Guard, made a coroutine function by Litestar's resolve_guards


def run_guards_as_one(app: Litestar) -> None:
    """An `on_startup` hook: every route handler with two or more guards runs them as one."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            handlers = [handler for handler, _ in route.route_handler_map.values()]
        else:
            handlers = [route.route_handler]  # type: ignore[attr-defined]
        for handler in handlers:
            guards = handler.resolve_guards()  # the list Litestar runs (resolved once)
            if len(guards) > 1:
                guards[:] = [_all_of(tuple(guards))]


def _all_of(guards: Sequence[Guard]) -> Guard:
    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        for each in guards:
            await each(connection, handler)

    return guard
