"""`as_of` and `as_of_position` on single-entity reads: who may read the past, and where it is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.params import Parameter

from kyros.bootstrap import Kyros
from kyros.domain.identity_errors import Forbidden
from kyros.domain.permissions import Permission
from kyros.http.auth import Principal
from kyros.http.dependencies import in_thread
from kyros.timefmt import now
from kyros.timetravel.point import MAX_INSTANT_LENGTH, Point, resolve

MAX_POSITION = 2**62  # past any log's head; bounded so the parameter is a bounded integer

AS_OF = Parameter(
    default=None,
    max_length=MAX_INSTANT_LENGTH,
    description="Answer as of this RFC 3339 instant (not in the future): the state replayed "
    "from the log's events stamped at or before it. Requires the read_audit permission.",
)
AS_OF_POSITION = Parameter(
    default=None,
    ge=0,
    le=MAX_POSITION,
    description="Answer as of this log position (not past the head), instead of `as_of`. "
    "Requires the read_audit permission.",
)


async def point_of(
    kyros: Kyros, principal: Principal, as_of: str | None, as_of_position: int | None
) -> Point | None:
    """None for a read of the present; 403 without `read_audit`, on top of the route's own
    permission; 422 naming the parameter for a malformed, future or out-of-log point."""
    if as_of is None and as_of_position is None:
        return None
    if Permission.READ_AUDIT not in principal.permissions:
        raise Forbidden("Reading the past requires the read_audit permission")
    return await in_thread(resolve, kyros.app, kyros.db, as_of, as_of_position, now())


async def read_at(read: Callable[..., Any], kyros: Kyros, point: Point, *args: Any) -> Any:
    """Runs a `kyros.timetravel.reads` function off the event loop."""
    return await in_thread(read, kyros.app, kyros.db, *args, point)


async def current_or_past(
    kyros: Kyros,
    principal: Principal,
    as_of: str | None,
    as_of_position: int | None,
    current: Callable[[], Awaitable[Any]],
    past: Callable[..., Any],
    *args: Any,
    missing: Exception,
) -> Any:
    """The read of the present, or `past` replayed at the point; `missing` is raised when the
    entity did not exist then."""
    point = await point_of(kyros, principal, as_of, as_of_position)
    if point is None:
        return await current()
    view = await read_at(past, kyros, point, *args)
    if view is None:
        raise missing
    return view
