"""Running a send in the task that produced the message, as far as it goes without waiting.

A WebSocket send finishes at once unless the socket's TCP window is full, so the hub can send a
frame to every idle socket in its own task instead of waking a task per socket per frame (on
1,000 sockets the wake-ups cost as much as the sends). A send that must wait is handed over,
half-run, to its socket's own sender task, which awaits the rest: a slow consumer never holds
up the hub.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any


class Unfinished:
    """A coroutine run until it first had to wait; awaiting this runs the rest of it, exactly
    as if it had been awaited from the start (what it waits on, errors and cancellation go
    through to it)."""

    __slots__ = ("_coro", "_waiting_on")

    def __init__(self, coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coro, self._waiting_on = coro, waiting_on

    def __await__(self) -> Generator[Any, Any, None]:
        coro, value = self._coro, self._waiting_on
        while True:
            try:
                sent = yield value
            except BaseException as exc:  # cancellation included: it belongs to the send
                try:
                    value = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    value = coro.send(sent)
                except StopIteration:
                    return

    def close(self) -> None:
        """Abandons the rest (the socket is going away)."""
        self._coro.close()


def run_until_wait(coro: Coroutine[Any, Any, None]) -> Unfinished | None:
    """Runs `coro` in the caller; None when it finished, else what is left of it. Its errors
    are raised here."""
    try:
        waiting_on = coro.send(None)
    except StopIteration:
        return None
    return Unfinished(coro, waiting_on)
