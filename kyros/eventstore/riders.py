"""Aggregates that ride along with the next save of the current context, in its transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass
class Rider:
    """Boards the first save made in its context (threads started with the context's copy
    included: anyio's worker threads are); `saved` once that save has committed."""

    aggregates: tuple[Any, ...]
    boarded: bool = False
    saved: bool = False

    def board(self) -> tuple[Any, ...]:
        if self.boarded:
            return ()
        self.boarded = True
        return self.aggregates


_current: ContextVar[Rider | None] = ContextVar("kyros_rider", default=None)


@contextmanager
def riding(*aggregates: Any) -> Iterator[Rider]:
    rider = Rider(aggregates)
    token = _current.set(rider)
    try:
        yield rider
    finally:
        _current.reset(token)


def current_rider() -> Rider | None:
    return _current.get()
