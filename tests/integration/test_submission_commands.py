"""Submission commands on both stores, below HTTP: premium work waits for an escalation's
decision, and the scheduler's guarantees when the read models it acts on are stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kyros.bootstrap import Kyros
from kyros.commands.agents import ClaimWork, claim_work
from kyros.commands.escalations import DecideEscalation, decide_escalation
from kyros.commands.loading import TASKS
from kyros.commands.queue import (
    ReleaseWaitingTask,
    SubmitTask,
    release_waiting_task,
    submit_task,
)
from kyros.commands.submissions import ExpireLease, expire_lease
from kyros.domain.escalation_errors import EscalationDecided
from kyros.ids import new_id
from tests.builders.commands import make_agent, make_task

pytestmark = pytest.mark.both_stores  # store-level: commands against each event store

NOW = datetime.now(UTC)
LEASE = timedelta(seconds=60)


def _submit(kyros: Kyros, task_id: str, **options: object) -> str:
    submission_id = new_id("sub")
    command = SubmitTask(
        submission_id=submission_id,
        task_id=task_id,
        role="implementer",
        actor="user_1",
        now=NOW,
        **options,
    )
    submit_task(kyros.app, kyros.catalog, command)
    return submission_id


def test_an_approval_queues_a_task_awaiting_it_on_the_approved_model(kyros: Kyros) -> None:
    task_id = make_task(kyros.app, title="Typo", files_to_modify=["README.md"])
    _submit(kyros, task_id, model="claude-4.1-opus")
    task = TASKS.load(kyros.app, task_id)
    assert task.status == "awaiting_approval"
    assert task.escalation is not None and task.escalation["state"] == "pending"
    approve = DecideEscalation(
        escalation_id=task.escalation["id"], decision="approved", actor="user_2", now=NOW
    )
    decide_escalation(kyros.app, kyros.catalog, approve)
    task = TASKS.load(kyros.app, task_id)
    assert (task.status, task.submission["model"]) == ("queued", "claude-4.1-opus")  # type: ignore[index]
    with pytest.raises(EscalationDecided):
        decide_escalation(kyros.app, kyros.catalog, approve)


def test_a_waiting_task_is_not_released_while_a_dependency_is_unfinished(kyros: Kyros) -> None:
    dependency = make_task(kyros.app, title="First")
    task_id = make_task(kyros.app, title="Second", dependencies=[dependency])
    _submit(kyros, task_id)
    release = ReleaseWaitingTask(task_id=task_id)
    assert release_waiting_task(kyros.app, release) == 0  # the log says: not yet
    assert TASKS.load(kyros.app, task_id).status == "waiting"
    not_waiting = ReleaseWaitingTask(task_id=dependency)
    assert release_waiting_task(kyros.app, not_waiting) == 0  # not waiting at all


def test_a_lease_is_not_expired_for_an_agent_seen_within_it(kyros: Kyros) -> None:
    task_id = make_task(kyros.app, title="Typo", files_to_modify=["README.md"])
    submission_id = _submit(kyros, task_id)
    agent_id = make_agent(kyros.app, at=NOW)
    claim = ClaimWork(
        agent_id=agent_id, at=NOW, actor="key_a", lease=LEASE, candidates=[(submission_id, task_id)]
    )
    assert claim_work(kyros.app, claim) is not None
    early = ExpireLease(
        submission_id=submission_id,
        task_id=task_id,
        agent_id=agent_id,
        now=NOW + LEASE,
        lease=LEASE,
    )
    assert expire_lease(kyros.app, early) == 0
    assert TASKS.load(kyros.app, task_id).status == "in_progress"
    late = ExpireLease(
        submission_id=submission_id,
        task_id=task_id,
        agent_id=agent_id,
        now=NOW + 2 * LEASE,
        lease=LEASE,
    )
    assert expire_lease(kyros.app, late) > 0
    assert TASKS.load(kyros.app, task_id).status == "queued"


def test_a_claim_skips_candidates_that_are_gone_and_takes_the_next(kyros: Kyros) -> None:
    taken, free = make_task(kyros.app, title="A"), make_task(kyros.app, title="B")
    taken_sub, free_sub = _submit(kyros, taken), _submit(kyros, free)
    first, second = make_agent(kyros.app, at=NOW), make_agent(kyros.app, at=NOW)
    candidates = [(taken_sub, taken), (free_sub, free)]
    won = claim_work(
        kyros.app,
        ClaimWork(agent_id=first, at=NOW, actor="key_a", lease=LEASE, candidates=candidates),
    )
    assert won is not None and won.submission_id == taken_sub
    stale = ClaimWork(agent_id=second, at=NOW, actor="key_a", lease=LEASE, candidates=candidates)
    next_won = claim_work(kyros.app, stale)
    assert next_won is not None and next_won.submission_id == free_sub
    assert claim_work(kyros.app, stale) is None
