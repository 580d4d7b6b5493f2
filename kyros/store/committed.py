"""Remembers, per request, that a write already committed: its answer must not become an error."""

from __future__ import annotations

from contextvars import ContextVar

_COMMITTED: ContextVar[int] = ContextVar("kyros_committed_position", default=0)


def note_committed(position: int) -> None:
    """Called once a command's events are in the log (each request runs in its own context)."""
    if position:
        _COMMITTED.set(position)


def committed_position() -> int:
    """The log position this request's write committed at; 0 when it wrote nothing."""
    return _COMMITTED.get()
