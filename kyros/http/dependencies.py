"""Request-scoped dependencies; authentication attaches here (one place for every route)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from kyros.bootstrap import Kyros
from kyros.http.auth import Principal, principal_of

T = TypeVar("T")


def provide_kyros(state: State) -> Kyros:
    return state.kyros  # type: ignore[no-any-return]


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return principal_of(request)


def provide_actor(request: Request[Any, Any, Any]) -> str:
    """Who is acting, as events record it: the caller's `user_…` or `key_…` id."""
    return principal_of(request).subject


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """The event store and read models are synchronous; keep them off the event loop."""
    return await anyio.to_thread.run_sync(fn, *args)


DEPENDENCIES = {
    "kyros": Provide(provide_kyros, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
}
