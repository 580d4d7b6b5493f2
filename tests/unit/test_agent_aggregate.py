"""The Agent aggregate and a task's life in the queue, with no I/O."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kyros.domain.agent import NotHeld
from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.identity_errors import Forbidden
from tests.builders.aggregates import NOW, new_agent, submitted_task
from tests.unit.test_task_aggregate import event_names

LEASE = timedelta(seconds=60)


def test_an_agent_holds_work_up_to_its_capacity_and_frees_a_slot_on_release() -> None:
    agent = new_agent(capacity=2)
    agent.take(submission_id="sub_1", task_id="task_1", at=NOW, actor="key_a")
    agent.take(submission_id="sub_2", task_id="task_2", at=NOW, actor="key_a")
    assert agent.at_capacity
    with pytest.raises(InvalidState) as caught:
        agent.take(submission_id="sub_3", task_id="task_3", at=NOW, actor="key_a")
    assert caught.value.field == "capacity"
    agent.release(submission_id="sub_1", reason="completed", actor="key_a")
    agent.release(submission_id="sub_1", reason="completed", actor="key_a")  # idempotent
    assert agent.held == {"sub_2": "task_2"}
    assert event_names(agent) == [  # type: ignore[arg-type]
        "Registered",
        "WorkClaimed",
        "WorkClaimed",
        "WorkReleased",
    ]


def test_only_the_caller_that_registered_an_agent_may_act_for_it() -> None:
    agent = new_agent()
    with pytest.raises(Forbidden):
        agent.heartbeat(at=NOW, actor="key_b")
    with pytest.raises(Forbidden):
        agent.take(submission_id="sub_1", task_id="task_1", at=NOW, actor="key_b")
    with pytest.raises(NotHeld):
        agent.check_holds("sub_1")


def test_a_lease_runs_from_the_last_heartbeat_or_claim_and_never_moves_back() -> None:
    agent = new_agent()
    assert not agent.lease_expired(NOW + LEASE, LEASE)
    assert agent.lease_expired(NOW + LEASE + timedelta(microseconds=1), LEASE)
    agent.heartbeat(at=NOW + timedelta(seconds=50), actor="key_a")
    assert agent.lease_expires_at(LEASE) == NOW + timedelta(seconds=110)
    agent.heartbeat(at=NOW, actor="key_a")  # a late, reordered heartbeat
    assert agent.lease_expires_at(LEASE) == NOW + timedelta(seconds=110)
    agent.take(
        submission_id="sub_1", task_id="task_1", at=NOW + timedelta(seconds=90), actor="key_a"
    )
    assert not agent.lease_expired(NOW + timedelta(seconds=140), LEASE)


def test_a_queued_submission_is_claimed_once_and_only_by_its_own_id() -> None:
    task = submitted_task()
    with pytest.raises(InvalidState):
        task.claim(submission_id="sub_other", agent_id="agent_1", actor="key_a")
    task.claim(submission_id="sub_1", agent_id="agent_1", actor="key_a")
    assert task.is_held_by("sub_1", "agent_1")
    assert not task.is_held_by("sub_1", "agent_2")
    with pytest.raises(InvalidState):
        task.claim(submission_id="sub_1", agent_id="agent_2", actor="key_b")


def test_requeueing_needs_the_state_its_reason_comes_from_and_counts_only_retries() -> None:
    task = submitted_task()
    with pytest.raises(InvalidState):
        task.requeue(model="glm-4.5", reason="lease_expired", actor="system")
    with pytest.raises(DomainError) as caught:
        task.requeue(model="glm-4.5", reason="whim", actor="system")
    assert caught.value.field == "reason"
    task.claim(submission_id="sub_1", agent_id="agent_1", actor="key_a")
    task.requeue(model="glm-4.5", reason="lease_expired", actor="system")
    assert (task.status, task.assigned_to, task.submission["retries"]) == ("queued", None, 0)  # type: ignore[index]
    task.claim(submission_id="sub_1", agent_id="agent_2", actor="key_b")
    task.fail(error="timeout", actor="key_b")
    task.requeue(model="claude-4.1-opus", reason="retry", actor="key_b")
    assert task.submission["model"] == "claude-4.1-opus"  # type: ignore[index]
    assert task.submission["retries"] == 1  # type: ignore[index]


def test_approval_releases_only_a_task_awaiting_it_onto_the_approved_model() -> None:
    task = submitted_task(premium=True)
    assert task.status == "awaiting_approval"
    task.requeue(model="claude-4.1-opus", reason="approved", actor="user_2")
    assert (task.status, task.submission["model"]) == ("queued", "claude-4.1-opus")  # type: ignore[index]
    with pytest.raises(InvalidState):
        task.requeue(model="claude-4.1-opus", reason="approved", actor="user_2")


def test_a_waiting_task_is_released_to_the_queue_or_to_approval_when_premium() -> None:
    plain, premium = (
        submitted_task(waiting_on=["task_x"]),
        submitted_task(premium=True, waiting_on=["task_x"]),
    )
    plain.release_waiting(actor="system")
    premium.release_waiting(actor="system")
    assert (plain.status, premium.status) == ("queued", "awaiting_approval")
    with pytest.raises(InvalidState):
        plain.release_waiting(actor="system")
