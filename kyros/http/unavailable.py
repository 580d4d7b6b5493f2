"""Maps an unavailable store to 503 with Retry-After, in one place; a committed write stays 2xx."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from litestar import Request, Response

from kyros.connections.unavailable import StoreUnavailable, is_unavailable
from kyros.eventstore.committed import committed_ids, committed_position
from kyros.http.consistency import POSITION
from kyros.http.envelope import fail, ok

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def unavailable_response(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The spec's 503, telling the client when to come back."""
    return fail(
        request,
        503,
        "SERVICE_UNAVAILABLE",
        "The database is unavailable; retry shortly",
        {"retry_after": RETRY_AFTER_SECONDS},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _store_failure(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if not is_unavailable(exc):
        log.exception("unhandled error", exc_info=exc)
        return fail(request, 500, "INTERNAL_ERROR", "Internal server error")
    position = committed_position()
    if position:
        # The write is in the log; only reading its result back failed. An error here would
        # make a retrying client write it twice.
        log.warning("committed at position %d, but could not read it back: %s", position, exc)
        return saved_response(request)
    log.warning("store unavailable: %s", exc)
    return unavailable_response(request)


def saved_response(request: Request[Any, Any, Any]) -> Response[bytes]:
    """202 Accepted: the write is in the log, its new state is not readable yet. It names
    what the write created and carries its position, so the client can read it back (with
    `X-Kyros-Min-Position`) instead of writing it again."""
    position = committed_position()
    data = {"committed": True, "position": position, **request.path_params, **committed_ids()}
    message = "Saved; its new state could not be read back yet, read it again shortly"
    return ok(request, data, status=202, message=message, headers={POSITION: str(position)})


UNAVAILABLE_HANDLERS: dict[type[Exception], Any] = {
    StoreUnavailable: _store_failure,
    psycopg.OperationalError: _store_failure,
    psycopg.InterfaceError: _store_failure,
    sqlite3.OperationalError: _store_failure,
    OperationalError: _store_failure,
    InterfaceError: _store_failure,
}
