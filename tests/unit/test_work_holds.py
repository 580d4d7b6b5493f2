"""Who may report on work (kyros.domain.holds), with no I/O."""

from __future__ import annotations

import pytest

from kyros.domain.agent import NotHeld
from kyros.domain.holds import Hold, check_agent_update, check_holds, released
from kyros.domain.identity_errors import Forbidden
from tests.builders.aggregates import NOW, new_agent, submitted_task


def held(owner_submission: str = "sub_1") -> Hold:
    agent = new_agent()
    agent.take(submission_id=owner_submission, task_id="task_1", at=NOW, actor="key_a")
    return Hold(agent, owner_submission)


def test_only_the_caller_that_registered_the_holding_agent_may_report() -> None:
    hold = held()
    assert check_holds(hold, "key_a") is hold
    assert check_holds(hold, "key_a", "sub_1") is hold
    for actor, submission in (("key_b", None), ("key_a", "sub_2")):
        with pytest.raises(NotHeld) as caught:
            check_holds(hold, actor, submission)
        assert caught.value.field == "submission_id"
    with pytest.raises(NotHeld):
        check_holds(None, "key_a")


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [({"title": "x", "priority": "low"}, None, "priority"), ({}, "cancelled", "status")],
)
def test_an_agent_may_not_edit_fields_or_set_other_statuses(
    fields: dict[str, str], status: str | None, field: str
) -> None:
    with pytest.raises(Forbidden) as caught:
        check_agent_update(held(), "key_a", fields, status)
    assert caught.value.field == field


@pytest.mark.parametrize("status", [None, "in_progress", "completed", "failed"])
def test_an_agent_may_report_progress_and_its_own_outcome(status: str | None) -> None:
    check_agent_update(held(), "key_a", {}, status)


def test_a_finished_task_frees_its_holders_slot_and_work_in_progress_keeps_it() -> None:
    task, hold = submitted_task(), held()
    task.claim(submission_id="sub_1", agent_id="agent_1", actor="key_a")
    assert released(task, hold, "key_a") == []
    assert hold.agent.held == {"sub_1": "task_1"}
    task.complete(results={}, feedback=None, usage=None, actor="key_a")
    assert released(task, hold, "key_a") == [hold.agent]
    assert hold.agent.held == {}
    assert released(task, None, "key_a") == []
