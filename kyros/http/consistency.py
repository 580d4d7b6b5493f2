"""Session consistency tokens: writes answer with their log position, reads may wait for one.

A write waits only for the read models it reads back (kyros.commands.registry `read_back`),
or for none when it answers from its command, so a later read may not include it yet. Every
write's answer carries `X-Kyros-Position`; a request that sends it back as
`X-Kyros-Min-Position` waits, bounded by `read_your_writes_seconds`, until the read models
its route reads (declared once per controller or route with `opt=reads(...)`) have applied
the log that far. A read without one still waits, bounded and once, for the writes this
process answered before it (`Kyros.answered_ahead`), as it would have found them had each
write waited for every read model.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import anyio
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from kyros.bootstrap import Kyros
from kyros.domain.errors import DomainError
from kyros.eventstore.committed import committed_position
from kyros.http.envelope import fail

POSITION = "X-Kyros-Position"
MIN_POSITION = "X-Kyros-Min-Position"
READ_MODELS = "read_models"  # the route opt holding the names a route reads
RETRY_AFTER_SECONDS = 1  # a lagging read model catches up in well under a second when healthy
_MIN_POSITION_KEY = MIN_POSITION.lower().encode()
_MAX_POSITION = 2**63 - 1  # positions are BIGINT
_ISSUE = "Must be a log position: a non-negative integer, as sent in X-Kyros-Position"
_READS = frozenset({"GET", "HEAD"})  # writes decide over the log, not over read models
log = logging.getLogger(__name__)


def reads(*names: str) -> dict[str, tuple[str, ...]]:
    """The route opt naming the read models a route reads (none: `reads()`)."""
    return {READ_MODELS: names}


EVERY_READ_MODEL: dict[str, None] = {READ_MODELS: None}  # a route reading them all


class ReadModelsBehind(Exception):
    """The read models a request needs did not reach its `X-Kyros-Min-Position` in time."""

    def __init__(self, position: int) -> None:
        super().__init__(f"read models behind position {position}")
        self.position = position


async def stamp_position(response: Response[Any]) -> Response[Any]:
    """`after_request`: a request whose write committed answers with its log position. A
    coroutine: Litestar runs a plain function hook on a worker thread, a hop per answer."""
    position = committed_position()
    if position:
        response.headers[POSITION] = str(position)
    return response


async def wait_for_min_position(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard: holds a request carrying `X-Kyros-Min-Position` until the read models its route
    reads include that position; 422 for a malformed one or one beyond the log's head, 503
    with Retry-After when they are still behind at the bound. A read also waits for the
    writes answered ahead of its read models here."""
    scope = connection.scope
    if scope["type"] != "http":
        return
    kyros: Kyros = connection.app.state.kyros
    names = handler.opt.get(READ_MODELS)
    raw = [value for key, value in scope["headers"] if key == _MIN_POSITION_KEY]
    if raw:
        position = parse_position(raw)
        if position:
            await _settle(kyros, position, names)
    if scope["method"] in _READS:
        await _answered_ahead(kyros, names)


def parse_position(values: list[bytes]) -> int:
    if len(values) != 1:
        raise DomainError("Send it once", field=MIN_POSITION)
    text = values[0].decode("latin-1").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= _MAX_POSITION):
        raise DomainError(_ISSUE, field=MIN_POSITION)
    return int(text)


async def _settle(kyros: Kyros, position: int, names: Collection[str] | None) -> None:
    """Answers at once when the read models are there. Otherwise a position beyond the log's
    head is refused at once: positions are handed out only after their commit, which every
    process reads from the one shared log, so no waiting would make it real (it comes from
    another deployment or a restored database); any other position is waited for."""
    projections = kyros.projections
    if await projections.wait_for(position, 0, names, halted_count=True):
        return
    head = await anyio.to_thread.run_sync(kyros.app.head)
    if position > head:
        issue = f"Beyond the log's head ({head}): not a position this server's log has reached"
        raise DomainError(issue, field=MIN_POSITION)
    bound = kyros.settings.read_your_writes_seconds
    if not await projections.wait_for(position, bound, names, halted_count=True):
        raise ReadModelsBehind(position)  # a halted read model too: it does not have the write


async def _answered_ahead(kyros: Kyros, names: Collection[str] | None) -> None:
    """Waits, bounded, for the writes this process answered before these read models applied
    them; at the bound it answers with what they hold, as a write that waited in vain did
    (its answer was 202), and later reads stop waiting for that write."""
    position, marked = kyros.answered_ahead.awaited(names)
    if not position:
        return
    projections = kyros.projections
    if not await projections.wait_for(position, kyros.settings.read_your_writes_seconds, marked):
        log.warning("read models still behind position %d (%s)", position, ", ".join(marked))
    kyros.answered_ahead.forget(position, marked)


def behind_response(request: Request[Any, Any, Any], exc: ReadModelsBehind) -> Response[bytes]:
    """The spec's SERVICE_UNAVAILABLE: the data is coming, the server cannot show it yet."""
    issue = "The read models this route uses have not reached this position yet"
    details = {
        "field": MIN_POSITION,
        "issue": issue,
        "min_position": exc.position,
        "retry_after": RETRY_AFTER_SECONDS,
    }
    message = "Not caught up with X-Kyros-Min-Position yet; retry shortly"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return fail(request, 503, "SERVICE_UNAVAILABLE", message, details, headers=headers)


CONSISTENCY_HANDLERS: dict[type[Exception], Any] = {ReadModelsBehind: behind_response}
