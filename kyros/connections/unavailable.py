"""One verdict on whether a failure means "the store is unavailable now" (retry later)."""

from __future__ import annotations

import sqlite3

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError

# SQLite's messages for a file another process holds, or that cannot be written right now.
_SQLITE_UNAVAILABLE = (
    "locked",
    "busy",
    "readonly",
    "read-only",
    "disk i/o",
    "disk is full",
    "unable to open",
)


class StoreUnavailable(Exception):
    """The database did not answer within its bound, or refused to; the request may be retried.

    Deliberately not a psycopg error: the event store library retries those ten times, and a
    bounded wait must stay bounded.
    """


_OUTAGES = (StoreUnavailable, psycopg.OperationalError, psycopg.InterfaceError)


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc`, or an error it was raised from, says the store is down or busy.

    Connection loss, a server shutting down or restarting, a lock or statement timeout, an
    exhausted pool (all psycopg `OperationalError`s) and a locked, busy or read-only SQLite file
    are outages; a bad statement or a constraint violation is a bug or a conflict, not this.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, BaseExceptionGroup):  # a task group's failures, all outages?
            return all(is_unavailable(inner) for inner in current.exceptions)
        if isinstance(current, _OUTAGES):
            return True
        if isinstance(current, sqlite3.OperationalError):
            text = str(current).lower()
            return any(marker in text for marker in _SQLITE_UNAVAILABLE)
        if isinstance(current, OperationalError | InterfaceError) and current.__cause__ is None:
            return True  # the event store's own wording for a lost connection
        current = current.__cause__ or current.__context__
    return False
