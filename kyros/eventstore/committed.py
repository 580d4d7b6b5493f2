"""Remembers, per request, that a write already committed: its answer must not become an error."""

from __future__ import annotations

from contextvars import ContextVar

_COMMITTED: ContextVar[tuple[int, dict[str, str]]] = ContextVar("kyros_committed", default=(0, {}))
_UNREAD: ContextVar[bool] = ContextVar("kyros_unread", default=False)


def note_committed(position: int, created: dict[str, str] | None = None) -> None:
    """Called once a command's events are in the log (each request runs in its own context);
    `created` names what the write created when its URL does not (e.g. a new task's id)."""
    if position:
        _COMMITTED.set((position, created or {}))


def committed_position() -> int:
    """The log position this request's write committed at; 0 when it wrote nothing."""
    return _COMMITTED.get()[0]


def committed_ids() -> dict[str, str]:
    """What this request's committed write created, as named by `note_committed`."""
    return _COMMITTED.get()[1]


def note_unread() -> None:
    """The read models the write reads back did not include it in time: what it created may
    not be readable yet, and reading it back may find nothing."""
    _UNREAD.set(True)


def unread_write() -> bool:
    """True when this request's write committed but its read-back gave up."""
    return bool(_COMMITTED.get()[0]) and _UNREAD.get()
