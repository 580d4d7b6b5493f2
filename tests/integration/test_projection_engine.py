"""The projection engine applies every event exactly once, in log order, on both stores."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyros.bootstrap import Kyros
from kyros.cluster.signals import Pulse
from kyros.commands.loading import TASKS
from kyros.commands.tasks import (
    CancelTask,
    Progress,
    UpdateTask,
    cancel_task,
    update_task,
)
from kyros.domain.errors import Conflict, DomainError
from kyros.projections.engine import Page, ProjectionEngine
from kyros.projections.worker import ProjectionWorkers
from kyros.readstore.database import Cursor
from tests.builders.commands import make_task
from tests.integration.helpers import table

pytestmark = pytest.mark.both_stores  # the projection engine, with a dialect branch

actions = st.lists(
    st.tuples(
        st.sampled_from(["create", "update", "start", "progress", "complete", "fail", "cancel"]),
        st.integers(min_value=0, max_value=50),
        st.sampled_from(["low", "medium", "high", "critical"]),
    ),
    min_size=1,
    max_size=25,
)


def run_actions(kyros: Kyros, steps: list[tuple[str, int, str]]) -> None:
    """Drives random commands; refusals are part of the story, not failures."""
    ids: list[str] = []
    for action, n, priority in steps:
        try:
            if action == "create" or not ids:
                deadline = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(hours=n)
                ids.append(
                    make_task(
                        kyros.app,
                        priority=priority,
                        tags=[f"t{n % 3}"],
                        deadline=deadline if n % 2 else None,
                        metadata={"estimated_hours": n, "cost_hint": Decimal("0.10") * n},
                    )
                )
                continue
            task_id = ids[n % len(ids)]
            cmd: dict[str, Any] = {"task_id": task_id, "actor": "user_2"}
            if action == "update":
                update_task(kyros.app, UpdateTask(**cmd, fields={"priority": priority}))
            elif action == "start":
                update_task(kyros.app, UpdateTask(**cmd, status="in_progress"))
            elif action == "progress":
                progress = Progress(completed_steps=n % 4, total_steps=4)
                update_task(kyros.app, UpdateTask(**cmd, progress=progress))
            elif action == "cancel":
                cancel_task(kyros.app, CancelTask(**cmd, reason="no longer needed"))
            else:
                status = "completed" if action == "complete" else "failed"
                update_task(kyros.app, UpdateTask(**cmd, status=status, results={"n": n}))
        except DomainError:
            pass


def snapshot(kyros: Kyros) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return table(kyros.db, "rm_tasks", "id"), table(kyros.db, "rm_task_tags", "task_id, tag")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=actions, page=st.integers(min_value=1, max_value=7))
def test_a_read_model_rebuilt_from_scratch_equals_the_live_one(
    kyros: Kyros, steps: list[tuple[str, int, str]], page: int
) -> None:
    run_actions(kyros, steps)
    kyros.engine.catch_up("tasks", page)
    live = snapshot(kyros)
    kyros.engine.reset("tasks")
    assert table(kyros.db, "rm_tasks", "id") == []
    kyros.engine.catch_up("tasks", 1000)
    assert snapshot(kyros) == live
    assert kyros.engine.position("tasks") == kyros.app.head()


class PositionLog:
    """A projection that records each position it is given; a duplicate violates the key."""

    name = "positions"

    def create(self, tx: Cursor) -> None:
        tx.execute("CREATE TABLE IF NOT EXISTS rm_seen (position BIGINT PRIMARY KEY, seq BIGINT)")

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_seen")

    def apply(self, tx: Cursor, page: Page) -> None:
        row = tx.execute("SELECT COALESCE(MAX(seq), 0) AS seq FROM rm_seen").fetchone()
        seq = int(row["seq"]) if row else 0
        for offset, (position, _) in enumerate(page, start=1):
            tx.execute(
                "INSERT INTO rm_seen (position, seq) VALUES (?, ?)", (position, seq + offset)
            )


def follow_until(engine: ProjectionEngine, stop: threading.Event, errors: list[Exception]) -> None:
    try:
        while not stop.is_set():
            engine.step("positions", 7)
    except Exception as exc:  # surfaced by the test
        errors.append(exc)


@pytest.mark.parametrize("followers", [1, 2])
def test_followers_see_every_event_exactly_once_in_log_order_under_concurrent_writers(
    kyros: Kyros, followers: int
) -> None:
    engine = ProjectionEngine(kyros.app, kyros.db, [PositionLog()])
    engine.setup()
    writers, per_writer = 8, 15
    stop, errors = threading.Event(), []
    follower_threads = [
        threading.Thread(target=follow_until, args=(engine, stop, errors)) for _ in range(followers)
    ]

    def write() -> None:
        for i in range(per_writer):
            task_id = make_task(kyros.app, title=f"t{i}")
            update_task(kyros.app, UpdateTask(task_id=task_id, actor="u", fields={"title": "x"}))

    writer_threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in follower_threads + writer_threads:
        thread.start()
    for thread in writer_threads:
        thread.join()
    stop.set()
    for thread in follower_threads:
        thread.join()
    engine.catch_up("positions", 50)

    assert errors == []
    seen = table(kyros.db, "rm_seen", "seq")
    logged = [n.id for n in kyros.app.recorder.select_notifications(start=None, limit=10_000)]
    assert len(logged) == writers * per_writer * 2
    assert [row["position"] for row in seen] == logged


def test_a_stale_page_is_discarded_when_another_runner_moved_the_position(kyros: Kyros) -> None:
    make_task(kyros.app)
    make_task(kyros.app)
    kyros.engine.catch_up("tasks", 10)
    rows = table(kyros.db, "rm_tasks", "id")
    with kyros.db.transaction() as tx:  # another runner rewinds nothing but claims position 1
        tx.execute("UPDATE projection_positions SET position = 1 WHERE name = 'tasks'")
        tx.execute("DELETE FROM rm_tasks WHERE id = ?", (rows[1]["id"],))
    applied, position = kyros.engine.step("tasks", 10)
    assert (applied, position) == (1, 2)
    assert len(table(kyros.db, "rm_tasks", "id")) == 2


def test_concurrent_modifications_of_one_task_one_wins_the_other_conflicts(kyros: Kyros) -> None:
    task_id = make_task(kyros.app)
    first, second = TASKS.load(kyros.app, task_id), TASKS.load(kyros.app, task_id)
    first.update({"title": "first"}, actor="a")
    second.update({"title": "second"}, actor="b")
    kyros.app.save_all(first)
    with pytest.raises(Conflict):
        kyros.app.save_all(second)
    assert TASKS.load(kyros.app, task_id).title == "first"


class Watching:
    """Records whether the cyclic collector ran while it applied; fails when told to."""

    name = "watching"

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.collecting: list[bool] = []

    def create(self, tx: Cursor) -> None:
        return None

    def clear(self, tx: Cursor) -> None:
        return None

    def apply(self, tx: Cursor, page: Page) -> None:
        self.collecting.append(gc.isenabled())
        if self.fail:
            raise RuntimeError("boom")


@pytest.mark.parametrize("fail", [False, True])
def test_a_step_holds_the_collector_off_while_it_applies_and_turns_it_back_on(
    kyros: Kyros, fail: bool
) -> None:
    make_task(kyros.app)
    watching = Watching(fail)
    engine = ProjectionEngine(kyros.app, kyros.db, [watching])
    engine.setup()
    assert gc.isenabled()
    stepped = engine.step_all(["watching"], 10)["watching"]
    assert (stepped.error is not None) is fail
    assert watching.collecting and not any(watching.collecting)
    assert gc.isenabled()
    gc.disable()  # one it did not turn off stays off
    try:
        engine.step_all(["watching"], 10)
        assert not gc.isenabled()
    finally:
        gc.enable()


class Exploding:
    """Fails on its first page, then behaves: the supervisor must restart the worker."""

    name = "exploding"

    def __init__(self) -> None:
        self.calls = 0

    def create(self, tx: Cursor) -> None:
        return None

    def clear(self, tx: Cursor) -> None:
        return None

    def apply(self, tx: Cursor, page: Page) -> None:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("boom")


def test_a_crashed_worker_is_restarted_with_backoff_and_its_error_is_visible(kyros: Kyros) -> None:
    make_task(kyros.app)
    engine = ProjectionEngine(kyros.app, kyros.db, [Exploding()])
    engine.setup()
    appended = Pulse()
    workers = ProjectionWorkers(
        engine,
        leaders=kyros.leaders,
        appended=appended,
        page_size=10,
        poll_seconds=0.05,
    )

    async def scenario() -> bool:
        async with anyio.create_task_group() as tg:
            appended.bind()
            workers.start(tg)
            caught_up = await workers.wait_for(kyros.app.head(), timeout=10)
            tg.cancel_scope.cancel()
        return caught_up

    assert anyio.run(scenario)
    (state,) = workers.states
    assert state.restarts == 1
    assert state.last_error == "RuntimeError: boom"
    assert engine.position("exploding") == kyros.app.head()


def test_a_running_worker_follows_appends_made_by_another_process(settings: Any) -> None:
    """Two Kyros instances on one store stand in for two processes."""
    with Kyros(settings) as reader, Kyros(settings) as writer:

        async def scenario() -> bool:
            async with anyio.create_task_group() as tg:
                reader.start_background(tg)
                await anyio.sleep(0.3)  # let the listener subscribe
                make_task(writer.app, title="from elsewhere")
                ok = await reader.projections.wait_for(writer.app.head(), timeout=10)
                tg.cancel_scope.cancel()
            return ok

        assert anyio.run(scenario)
        titles = [row["title"] for row in table(reader.db, "rm_tasks", "id")]
        assert titles == ["from elsewhere"]
