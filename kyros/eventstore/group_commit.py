"""Group commit: concurrent saves of one process share one transaction, one lock, one fsync.

The store's recorder serialises writers with a table lock so that log order equals commit
order (see DESIGN.md, "the gap problem"); one save per transaction therefore caps a process at
one fsync's worth of saves. Here the first save to arrive while no batch is in flight becomes
the leader and writes every save queued behind it in one transaction, as PostgreSQL's own group
commit does with WAL flushes: a lone save goes straight through, and saves that arrive while a
batch is being written form the next batch. The lock stays, so the log's order is still the
commit order.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kyros.connections.unavailable import StoreUnavailable

# Recordings as the library returns them from `Application._record`, in event order.
Recordings = list[Any]


@dataclass(eq=False)
class Save:
    """One caller's save: its events (a library `ProcessingEvent`) and, once written, its
    recordings or the error that failed it alone."""

    event: Any
    recordings: Recordings = field(default_factory=list)
    error: BaseException | None = None
    taken: bool = False  # a leader is writing it: it can no longer be withdrawn
    done: bool = False


# Writes a batch: sets each save's `recordings` or `error` (a batch may partly fail).
BatchWriter = Callable[[Sequence[Save]], None]


class GroupCommit:
    """Leader/follower batching of saves, every wait bounded.

    `max_batch` bounds a transaction's size. `gather_seconds` is how long a leader waits for
    more saves before writing, and only when the previous batch had company: under load it
    fills batches, alone it adds nothing. A save still queued after `wait_seconds` (a writer
    stuck on a frozen database ahead of it) is withdrawn unwritten and fails with
    `StoreUnavailable`; one already being written waits for its batch's outcome, which the
    store's own timeouts bound.
    """

    def __init__(
        self,
        write: BatchWriter,
        *,
        max_batch: int,
        gather_seconds: float,
        wait_seconds: float,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._gather_seconds = gather_seconds
        self._wait_seconds = wait_seconds
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[Save] = deque()
        self._writing = False
        self._last_batch = 0

    def commit(self, event: Any) -> Recordings:
        """Writes `event`'s events, with whatever else is queued; returns its recordings or
        raises what failed it."""
        save = Save(event)
        deadline = time.monotonic() + self._wait_seconds
        with self._cond:
            self._queue.append(save)
        while True:
            batch = self._await_turn(save, deadline)
            if batch is None:
                return _outcome(save)
            self._lead(batch)
            if save.done:
                return _outcome(save)

    def _await_turn(self, save: Save, deadline: float) -> list[Save] | None:
        """Waits until `save` is done (None) or this thread is to write the next batch."""
        with self._cond:
            while not save.done:
                if not self._writing:
                    self._writing = True
                    return self._take()
                remaining = deadline - time.monotonic()
                if remaining <= 0 and not save.taken:
                    self._queue.remove(save)
                    raise StoreUnavailable(
                        f"the event store's writer did not take this save within"
                        f" {self._wait_seconds:g} s"
                    )
                # A save being written waits for its batch: the store's timeouts bound that.
                self._cond.wait(remaining if remaining > 0 else self._wait_seconds)
            return None

    def _take(self) -> list[Save]:
        if self._last_batch > 1 and len(self._queue) < self._max_batch:
            self._cond.release()  # let the company of the last batch queue up behind us
            try:
                time.sleep(self._gather_seconds)
            finally:
                self._cond.acquire()
        count = min(len(self._queue), self._max_batch)
        batch = [self._queue.popleft() for _ in range(count)]
        for save in batch:
            save.taken = True
        self._last_batch = count
        return batch

    def _lead(self, batch: list[Save]) -> None:
        try:
            self._write(batch)
        except BaseException as exc:
            for save in batch:
                if save.error is None and not save.recordings:
                    save.error = exc
            raise
        finally:
            with self._cond:
                for save in batch:
                    save.done = True
                self._writing = False
                self._cond.notify_all()


def _outcome(save: Save) -> Recordings:
    if save.error is None:
        return save.recordings
    own = _own_copy(save.error)
    if own is save.error:
        raise own
    raise own from save.error


def _own_copy(error: BaseException) -> BaseException:
    """An exception a caller can raise without sharing its traceback with the batch's other
    callers, who may be raising the same failure at the same moment."""
    try:
        clone = copy.copy(error)
    except Exception:  # an exception type that cannot be copied: raise the original
        return error
    clone.__traceback__ = None
    return clone
