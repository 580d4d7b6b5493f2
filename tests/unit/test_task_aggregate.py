"""The Task aggregate, with no I/O."""

from __future__ import annotations

import pytest

from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.task import Task
from kyros.domain.task_status import TERMINAL, can_transition, check_transition
from tests.builders.aggregates import new_task


def event_names(task: Task) -> list[str]:
    return [type(e).__name__ for e in task.collect_events()]


def test_a_new_task_is_pending_and_records_who_created_it() -> None:
    task = new_task()
    assert task.status == "pending"
    assert task.created_by == "user_1"
    (created,) = task.collect_events()
    assert created.actor == "user_1"  # type: ignore[attr-defined]
    assert created.timestamp.tzinfo is not None


def test_an_update_records_old_and_new_values_of_changed_fields_only() -> None:
    task = new_task()
    task.update({"title": "Implement OAuth", "priority": "high"}, actor="user_2")
    events = task.collect_events()
    assert [type(e).__name__ for e in events] == ["Created", "Updated"]
    assert events[1].changes == {  # type: ignore[attr-defined]
        "title": {"old": "Implement auth", "new": "Implement OAuth"}
    }
    assert events[1].actor == "user_2"  # type: ignore[attr-defined]


def test_an_update_that_changes_nothing_records_nothing() -> None:
    task = new_task()
    task.update({"title": "Implement auth"}, actor="user_1")
    assert event_names(task) == ["Created"]


def test_unknown_fields_cannot_be_updated() -> None:
    with pytest.raises(DomainError) as caught:
        new_task().update({"status": "completed"}, actor="u")
    assert caught.value.field == "status"


def test_the_whole_life_of_a_task_is_a_sequence_of_named_events() -> None:
    task = new_task()
    task.submit(
        submission_id="sub_1",
        role="implementer",
        model="glm-4.5",
        premium=False,
        estimated_cost="0.5",
        estimated_duration=600,
        waiting_on=[],
        actor="u",
    )
    assert task.status == "queued"
    task.assign(agent_id="agent_1", actor="agent_1")
    task.report_progress(completed_steps=1, total_steps=2, current_step="tests", actor="agent_1")
    task.complete(results={"files_modified": 1}, feedback="done", usage=None, actor="agent_1")
    assert task.status == "completed"
    assert event_names(task) == [
        "Created",
        "Submitted",
        "Assigned",
        "ProgressReported",
        "Completed",
    ]


def test_a_premium_submission_waits_for_approval_and_unfinished_dependencies_wait() -> None:
    premium = new_task()
    premium.submit(
        submission_id="s",
        role="implementer",
        model="claude-4.1-opus",
        premium=True,
        estimated_cost="12.5",
        estimated_duration=900,
        waiting_on=[],
        actor="u",
    )
    assert premium.status == "awaiting_approval"
    blocked = new_task()
    blocked.submit(
        submission_id="s",
        role="implementer",
        model="glm-4.5",
        premium=False,
        estimated_cost="1",
        estimated_duration=60,
        waiting_on=["task_X"],
        actor="u",
    )
    assert blocked.status == "waiting"


def test_impossible_transitions_are_refused_and_record_nothing() -> None:
    task = new_task()
    with pytest.raises(InvalidState):
        task.complete(results={}, feedback=None, usage=None, actor="u")
    with pytest.raises(InvalidState):
        task.fail(error="x", actor="u")
    assert event_names(task) == ["Created"]


def test_finished_tasks_cannot_be_updated_or_cancelled() -> None:
    task = new_task()
    task.cancel(reason="obsolete", actor="u")
    with pytest.raises(InvalidState):
        task.update({"title": "again"}, actor="u")
    with pytest.raises(InvalidState):
        task.cancel(reason="twice", actor="u")


def test_progress_is_only_reported_in_progress_and_within_bounds() -> None:
    task = new_task()
    with pytest.raises(InvalidState):
        task.report_progress(completed_steps=0, total_steps=1, current_step=None, actor="u")
    task.assign(agent_id="a", actor="a")
    with pytest.raises(DomainError) as caught:
        task.report_progress(completed_steps=3, total_steps=2, current_step=None, actor="a")
    assert caught.value.field == "progress.completed_steps"
    with pytest.raises(DomainError) as caught:
        task.report_progress(completed_steps=0, total_steps=0, current_step=None, actor="a")
    assert caught.value.field == "progress.total_steps"


def test_terminal_states_allow_no_transition_and_others_allow_cancel_or_retry() -> None:
    assert {"completed", "cancelled"} == TERMINAL
    for state in ("pending", "queued", "in_progress", "waiting", "awaiting_approval"):
        assert can_transition(state, "cancelled")
    assert can_transition("failed", "queued")
    with pytest.raises(InvalidState) as caught:
        check_transition("completed", "in_progress")
    assert "completed" in caught.value.issue
