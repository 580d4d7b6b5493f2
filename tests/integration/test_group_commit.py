"""Group commit: concurrent saves share a transaction, yet a version conflict fails only its own
command, nothing is lost, and a stuck store fails every waiting save within its bound."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import psycopg
import pytest
from eventsourcing.application import ProcessingEvent
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.loading import TASKS
from kyros.connections.unavailable import is_unavailable
from kyros.domain.errors import Conflict
from kyros.domain.task import Task
from kyros.eventstore.application import KyrosApplication
from kyros.eventstore.batches import write_batch
from kyros.eventstore.group_commit import Save
from kyros.eventstore.log_sql import EVENTS_TABLE
from kyros.ids import public_id
from kyros.settings import Settings
from tests.builders.commands import make_task

pytestmark = pytest.mark.both_stores  # each store's recorder, its locks and its constraints


def new_task() -> Task:
    return Task(
        task_id=ULID().to_uuid(),
        actor="user_1",
        title="A task",
        description="",
        task_type="implementation",
        priority="medium",
        assignee_role=None,
        files_to_modify=[],
        acceptance_criteria=[],
        dependencies=[],
        tags=[],
        deadline=None,
        metadata={},
    )


def loaded(app: KyrosApplication, task_id: str, title: str) -> Task:
    """The task as a command would hold it: loaded, and changed in memory."""
    task = TASKS.load(app, task_id)
    task.update({"title": title}, actor="user_1")
    return task


def saving(task: Task) -> ProcessingEvent[UUID]:
    event: ProcessingEvent[UUID] = ProcessingEvent()
    event.collect_events(task)
    return event


def run_all(jobs: list[Callable[[], int]]) -> list[int | BaseException]:
    """Starts every job at once, each in a thread; each job's position or its exception."""
    results: list[int | BaseException] = [RuntimeError("did not run")] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except BaseException as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a save never returned"
    return results


def test_a_batch_with_conflicts_fails_only_the_conflicting_saves(kyros: Kyros) -> None:
    app = kyros.app
    stale_id, contested_id = make_task(app), make_task(app)
    stale = loaded(app, stale_id, "stale")
    app.save_all(loaded(app, stale_id, "moved on"))  # `stale` now holds an old version
    first, second = loaded(app, contested_id, "first"), loaded(app, contested_id, "second")
    fresh = [new_task() for _ in range(3)]
    saves = [Save(saving(t)) for t in (fresh[0], stale, first, fresh[1], second, fresh[2])]
    head = app.head()

    write_batch(app, saves)

    failed = [s for s in saves if s.error is not None]
    assert [s.event for s in failed] == [saves[1].event, saves[4].event]
    committed = [s for s in saves if s.error is None]
    positions = [s.recordings[-1].notification.id for s in committed]
    assert positions == sorted(set(positions))
    assert positions[0] > head
    assert app.head() == positions[-1]
    assert TASKS.load(app, contested_id).title == "first"
    assert TASKS.load(app, stale_id).title == "moved on"
    for task in fresh:
        assert TASKS.load(app, public_id("task", task.id)).version == 1


def test_concurrent_saves_commit_all_but_the_conflicting_ones(kyros: Kyros) -> None:
    """Many threads at once, as requests are: every stale save fails with Conflict, one of
    each pair racing for the same version wins, every other save commits, nothing is lost."""
    app = kyros.app
    stale_ids = [make_task(app) for _ in range(4)]
    pair_ids = [make_task(app) for _ in range(4)]
    stale = [loaded(app, task_id, "stale") for task_id in stale_ids]
    for task_id in stale_ids:
        app.save_all(loaded(app, task_id, "moved on"))
    pairs = [(loaded(app, i, "left"), loaded(app, i, "right")) for i in pair_ids]
    fresh = [new_task() for _ in range(16)]
    head = app.head()
    jobs: list[Callable[[], int]] = []
    for task in [*fresh, *stale, *(t for pair in pairs for t in pair)]:
        jobs.append(lambda task=task: app.save_all(task))

    results = run_all(jobs)

    fresh_results, rest = results[: len(fresh)], results[len(fresh) :]
    stale_results, pair_results = rest[: len(stale)], rest[len(stale) :]
    assert all(isinstance(r, int) for r in fresh_results), fresh_results
    assert all(isinstance(r, Conflict) for r in stale_results), stale_results
    for left, right in zip(pair_results[::2], pair_results[1::2], strict=True):
        assert sorted(isinstance(r, Conflict) for r in (left, right)) == [False, True]
    positions = [r for r in results if isinstance(r, int)]
    assert len(positions) == len(fresh) + len(pairs)
    assert len(set(positions)) == len(positions)
    assert min(positions) > head and max(positions) == app.head()
    logged = app.recorder.select_notifications(start=head, limit=100, inclusive_of_start=False)
    ids = [n.id for n in logged]
    assert ids == sorted(ids) and set(positions) == set(ids)  # one event per committed save
    for task in fresh:
        assert TASKS.load(app, public_id("task", task.id)).version == 1
    for task_id in stale_ids:
        assert TASKS.load(app, task_id).title == "moved on"
    for task_id, pair in zip(pair_ids, pair_results[::2], strict=True):
        winner = "right" if isinstance(pair, Conflict) else "left"
        assert TASKS.load(app, task_id).title == winner


def test_listeners_hear_every_committed_position(kyros: Kyros) -> None:
    heard: list[int] = []
    lock = threading.Lock()

    def listen(position: int) -> None:
        with lock:
            heard.append(position)

    kyros.app.add_listener(listen)
    tasks = [new_task() for _ in range(12)]
    results = run_all([lambda task=task: kyros.app.save_all(task) for task in tasks])

    assert all(isinstance(r, int) for r in results)
    assert max(heard) == max(results)  # type: ignore[type-var]
    for position in results:  # told by the time its save returned
        assert any(h >= position for h in heard)  # type: ignore[operator]
    assert sum(kyros.app.appended_by_type().values()) >= len(tasks)


@contextlib.contextmanager
def log_locked(settings: Settings) -> Iterator[None]:
    """Another connection holds the log's write lock, as a stuck writer elsewhere would."""
    if settings.is_postgres:
        with psycopg.connect(settings.database_url or "") as conn:
            conn.execute(f"LOCK TABLE {EVENTS_TABLE['postgres']} IN EXCLUSIVE MODE")
            yield
            conn.rollback()
    else:
        conn = sqlite3.connect(Path(settings.sqlite_path), isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield
            conn.execute("ROLLBACK")
        finally:
            conn.close()


@pytest.fixture
def impatient(settings: Settings) -> Iterator[Kyros]:
    with Kyros(msgspec.structs.replace(settings, database_timeout_seconds=2)) as instance:
        yield instance


def test_saves_behind_a_stuck_writer_fail_as_unavailable_and_write_nothing(
    impatient: Kyros, settings: Settings
) -> None:
    app = impatient.app
    make_task(app)  # the store is open and its tables exist
    head = app.head()
    with log_locked(settings):
        results: list[Any] = run_all([lambda: app.save_all(new_task()) for _ in range(6)])
    assert all(isinstance(r, Exception) and is_unavailable(r) for r in results), results
    assert app.head() == head
    assert app.save_all(new_task()) > head  # the writer is not wedged
