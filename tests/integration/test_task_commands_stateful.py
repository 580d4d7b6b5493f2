"""Random command sequences through the command layer keep the task invariants."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from kyros.bootstrap import Kyros
from kyros.commands.tasks import CancelTask, Progress, UpdateTask, cancel_task, update_task
from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.task_status import can_transition
from kyros.queries.tasks import TaskFilter, get_task, list_tasks
from kyros.settings import Settings
from tests.builders.commands import make_task

pytestmark = pytest.mark.both_stores  # store-level invariants


class TaskLifecycle(RuleBasedStateMachine):
    """A model of expected statuses and versions, checked against the read model."""

    tasks = Bundle("tasks")

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.TemporaryDirectory()
        self.kyros = Kyros(Settings(data_dir=Path(self.dir.name)))
        self.status: dict[str, str] = {}
        self.version: dict[str, int] = {}
        self.priority: dict[str, str] = {}

    def teardown(self) -> None:
        self.kyros.close()
        self.dir.cleanup()

    def attempt(self, task_id: str, target: str, command: UpdateTask | CancelTask) -> None:
        allowed = can_transition(self.status[task_id], target)
        try:
            if isinstance(command, CancelTask):
                cancel_task(self.kyros.app, command)
            else:
                update_task(self.kyros.app, command)
        except InvalidState:
            assert not allowed
            return
        assert allowed
        self.status[task_id] = target
        self.version[task_id] += 1

    @rule(target=tasks, priority=st.sampled_from(["low", "medium", "high", "critical"]))
    def create_task(self, priority: str) -> str:
        task_id = make_task(self.kyros.app, priority=priority)
        self.status[task_id], self.version[task_id] = "pending", 1
        self.priority[task_id] = priority
        return task_id

    @rule(task_id=tasks, priority=st.sampled_from(["low", "medium", "high", "critical"]))
    def change_priority(self, task_id: str, priority: str) -> None:
        command = UpdateTask(task_id=task_id, actor="u", fields={"priority": priority})
        try:
            update_task(self.kyros.app, command)
        except InvalidState:
            assert self.status[task_id] in ("completed", "cancelled")
            return
        if priority != self.priority[task_id]:
            self.version[task_id] += 1
            self.priority[task_id] = priority

    @rule(task_id=tasks)
    def start(self, task_id: str) -> None:
        if self.status[task_id] != "in_progress":
            self.attempt(
                task_id, "in_progress", UpdateTask(task_id=task_id, actor="a", status="in_progress")
            )

    @rule(task_id=tasks, done=st.integers(min_value=0, max_value=5))
    def report_progress(self, task_id: str, done: int) -> None:
        progress = Progress(completed_steps=done, total_steps=4)
        try:
            update_task(self.kyros.app, UpdateTask(task_id=task_id, actor="a", progress=progress))
        except DomainError:
            assert self.status[task_id] != "in_progress" or done > 4
            return
        assert self.status[task_id] == "in_progress" and done <= 4
        self.version[task_id] += 1

    @rule(task_id=tasks, outcome=st.sampled_from(["completed", "failed"]))
    def finish(self, task_id: str, outcome: str) -> None:
        self.attempt(task_id, outcome, UpdateTask(task_id=task_id, actor="a", status=outcome))

    @rule(task_id=tasks)
    def cancel(self, task_id: str) -> None:
        self.attempt(task_id, "cancelled", CancelTask(task_id=task_id, actor="u", reason="r"))

    @invariant()
    def read_model_matches_the_model(self) -> None:
        self.kyros.engine.catch_up("tasks", 3)
        for task_id, status in self.status.items():
            view = get_task(self.kyros.db, task_id)
            assert view is not None
            assert (view["status"], view["version"]) == (status, self.version[task_id])
            assert view["priority"] == self.priority[task_id]
        _, total = list_tasks(self.kyros.db, TaskFilter())
        assert total == len(self.status)

    @invariant()
    def the_log_holds_exactly_the_recorded_versions(self) -> None:
        assert self.kyros.app.head() == sum(self.version.values())


TaskLifecycle.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
test_random_command_sequences_keep_the_task_invariants = TaskLifecycle.TestCase
