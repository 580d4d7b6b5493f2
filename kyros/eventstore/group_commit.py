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
    # Its caller sleeps on this lock, held from the start; one release wakes it. One lock per
    # save, not one condition for all: waking every waiter per batch costs more than the batch.
    wake: threading.Lock = field(default_factory=threading.Lock)
    woken: bool = False

    def __post_init__(self) -> None:
        self.wake.acquire()

    def signal(self) -> None:
        if not self.woken:
            self.woken = True
            self.wake.release()


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
        self._mutex = threading.Lock()
        self._queue: deque[Save] = deque()
        self._writing = False
        self._last_batch = 0

    def commit(self, event: Any) -> Recordings:
        """Writes `event`'s events, with whatever else is queued; returns its recordings or
        raises what failed it."""
        save = Save(event)
        deadline = time.monotonic() + self._wait_seconds
        with self._mutex:
            self._queue.append(save)
            leads = self._lead_if_free()
        while not save.done:
            if leads:
                self._lead()
            else:
                self._sleep(save, deadline)
            with self._mutex:
                leads = not save.done and self._lead_if_free()
        return _outcome(save)

    def _lead_if_free(self) -> bool:
        if self._writing:
            return False
        self._writing = True
        return True

    def _sleep(self, save: Save, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        # A save being written waits for its batch: the store's timeouts bound that.
        if save.wake.acquire(timeout=remaining if remaining > 0 else self._wait_seconds):
            save.woken = False
            return
        with self._mutex:
            if not save.taken and not save.done:
                self._queue.remove(save)
                if not self._writing and self._queue:
                    self._queue[0].signal()  # it may have been woken to lead in our place
                raise StoreUnavailable(
                    f"the event store's writer did not take this save within"
                    f" {self._wait_seconds:g} s"
                )

    def _lead(self) -> None:
        batch: list[Save] = []
        try:
            batch = self._take()
            self._write(batch)
        except BaseException as exc:
            for save in batch:
                if save.error is None and not save.recordings:
                    save.error = exc
            raise
        finally:
            with self._mutex:
                for save in batch:
                    save.done = True
                    save.signal()
                self._writing = False
                if self._queue:
                    self._queue[0].signal()  # the next leader

    def _take(self) -> list[Save]:
        if self._last_batch > 1 and self._gather_seconds > 0:
            time.sleep(self._gather_seconds)  # let the last batch's company queue up again
        with self._mutex:
            count = min(len(self._queue), self._max_batch)
            batch = [self._queue.popleft() for _ in range(count)]
            for save in batch:
                save.taken = True
            self._last_batch = count
            return batch


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
