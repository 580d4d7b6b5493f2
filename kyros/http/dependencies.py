"""Request-scoped dependencies; authentication attaches here (one place for every route)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from litestar.datastructures import State
from litestar.di import Provide

from kyros.bootstrap import Kyros

T = TypeVar("T")


def provide_kyros(state: State) -> Kyros:
    return state.kyros  # type: ignore[no-any-return]


def provide_actor() -> str:
    """Who is acting; a placeholder until the identity layer supplies the caller."""
    return "anonymous"


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """The event store and read models are synchronous; keep them off the event loop."""
    return await anyio.to_thread.run_sync(fn, *args)


DEPENDENCIES = {
    "kyros": Provide(provide_kyros, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=False),
}
