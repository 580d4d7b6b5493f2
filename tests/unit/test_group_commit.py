"""Group commit's leader/follower batching, with a batch writer the test holds and releases."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from kyros.connections.unavailable import StoreUnavailable
from kyros.eventstore.group_commit import GroupCommit, Save


class HeldWriter:
    """Records each batch (as the events it holds) and the thread that wrote it; the first
    batch waits until the test releases it."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.threads: list[str] = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, saves: Sequence[Save]) -> None:
        self.batches.append([s.event for s in saves])
        self.threads.append(threading.current_thread().name)
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(30)
        for save in saves:
            save.recordings = [f"recorded {save.event}"]


def queued(group: GroupCommit, count: int) -> None:
    """Waits (bounded) until `count` saves are queued behind the batch in flight."""
    for _ in range(3000):
        if len(group._queue) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{len(group._queue)} saves queued, expected {count}")


def start(group: GroupCommit, event: str, results: dict[str, object]) -> threading.Thread:
    def run() -> None:
        try:
            results[event] = group.commit(event)
        except Exception as exc:
            results[event] = exc

    thread = threading.Thread(target=run, name=event)
    thread.start()
    return thread


def test_a_lone_save_is_written_by_its_own_caller() -> None:
    writer = HeldWriter()
    writer.release.set()
    group = GroupCommit(writer, max_batch=8, gather_seconds=0.001, wait_seconds=30)

    assert group.commit("alone") == ["recorded alone"]
    assert writer.batches == [["alone"]]
    assert writer.threads == [threading.current_thread().name]


def test_saves_arriving_while_a_batch_is_written_form_the_next_batch() -> None:
    writer = HeldWriter()
    group = GroupCommit(writer, max_batch=3, gather_seconds=0, wait_seconds=30)
    results: dict[str, object] = {}
    threads = [start(group, "first", results)]
    assert writer.entered.wait(30)
    threads += [start(group, f"s{i}", results) for i in range(5)]
    queued(group, 5)
    writer.release.set()
    for thread in threads:
        thread.join(30)

    assert writer.batches[0] == ["first"]
    assert [len(batch) for batch in writer.batches[1:]] == [3, 2]  # bounded by max_batch
    assert sorted(e for batch in writer.batches[1:] for e in batch) == [f"s{i}" for i in range(5)]
    assert results == {e: [f"recorded {e}"] for e in ["first", *(f"s{i}" for i in range(5))]}


def test_a_save_stuck_behind_a_frozen_batch_is_withdrawn_unwritten() -> None:
    writer = HeldWriter()
    group = GroupCommit(writer, max_batch=8, gather_seconds=0, wait_seconds=0.2)
    results: dict[str, object] = {}
    stuck = start(group, "stuck", results)
    assert writer.entered.wait(30)
    behind = start(group, "behind", results)
    behind.join(30)

    assert isinstance(results["behind"], StoreUnavailable)
    writer.release.set()
    stuck.join(30)
    assert results["stuck"] == ["recorded stuck"]  # a save in flight waits for its batch
    assert group.commit("later") == ["recorded later"]  # the writer is free again
    assert writer.batches == [["stuck"], ["later"]]


def test_a_failed_batch_fails_each_of_its_saves_with_its_own_copy() -> None:
    def fail(saves: Sequence[Save]) -> None:
        for save in saves:
            save.error = StoreUnavailable("the database did not answer")

    group = GroupCommit(fail, max_batch=8, gather_seconds=0, wait_seconds=30)
    with pytest.raises(StoreUnavailable) as raised:
        group.commit("one")
    assert isinstance(raised.value.__cause__, StoreUnavailable)
    assert raised.value is not raised.value.__cause__
