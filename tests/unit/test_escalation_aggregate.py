"""The Escalation aggregate and the daily counter, with no I/O."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.escalation import PENDING, Escalation, EscalationDay
from kyros.domain.escalation_errors import EscalationDecided, EscalationExpired, SelfApproval
from kyros.domain.identity_errors import Forbidden
from tests.builders.aggregates import NOW, new_escalation

DEADLINE = NOW + timedelta(hours=1)  # when new_escalation() expires


def names(aggregate: Escalation) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def test_a_new_escalation_waits_for_a_decision_and_remembers_its_requester() -> None:
    pending = new_escalation()
    assert pending.status == PENDING and pending.requester == "user_dev"


def test_an_approver_approves_and_the_decision_is_recorded_once() -> None:
    pending = new_escalation()
    pending.decide(decision="approved", reason=None, comments="ok", now=NOW, actor="user_boss")
    assert pending.status == "approved" and pending.decided_by == "user_boss"
    with pytest.raises(EscalationDecided):
        pending.decide(decision="rejected", reason=None, comments=None, now=NOW, actor="user_x")
    assert names(pending) == ["Submitted", "Approved"]


def test_a_rejection_is_recorded_as_such() -> None:
    pending = new_escalation()
    pending.decide(decision="rejected", reason="too dear", comments=None, now=NOW, actor="u2")
    assert pending.status == "rejected"


def test_a_decision_that_is_neither_approval_nor_rejection_is_refused_and_changes_nothing() -> None:
    pending = new_escalation()
    with pytest.raises(DomainError) as refused:
        pending.decide(decision="maybe", reason=None, comments=None, now=NOW, actor="u2")
    assert refused.value.field == "decision" and pending.status == PENDING
    assert names(pending) == ["Submitted"]


def test_the_requester_cannot_decide_their_own_escalation() -> None:
    pending = new_escalation(actor="user_dev")
    with pytest.raises(SelfApproval) as refused:
        pending.decide(decision="approved", reason=None, comments=None, now=NOW, actor="user_dev")
    assert isinstance(refused.value, Forbidden)


def test_no_decision_after_the_deadline_and_only_then_does_it_expire() -> None:
    pending = new_escalation()
    with pytest.raises(InvalidState):
        pending.expire(now=NOW)
    assert pending.is_overdue(DEADLINE)
    with pytest.raises(EscalationExpired):
        pending.decide(decision="approved", reason=None, comments=None, now=DEADLINE, actor="u2")
    pending.expire(now=DEADLINE)
    assert pending.status == "expired" and not pending.is_overdue(DEADLINE)


def test_rules_may_approve_or_hold_only_while_pending() -> None:
    held = new_escalation()
    held.hold(rule="approval required: confidence 0.7 is below 0.9")
    assert held.status == PENDING
    auto = new_escalation()
    auto.auto_approve(rule="auto-approved: within every rule")
    assert auto.status == "approved" and auto.decided_by == "system"
    with pytest.raises(EscalationDecided):
        auto.hold(rule="late")


def test_only_approved_work_completes_and_only_pending_work_is_withdrawn() -> None:
    pending = new_escalation()
    with pytest.raises(EscalationDecided):
        pending.complete(actual_cost=Decimal(1), result="done", actor="agent")
    pending.withdraw(reason="task cancelled", actor="user_dev")
    assert pending.status == "withdrawn"
    approved = new_escalation()
    approved.auto_approve(rule="ok")
    approved.complete(actual_cost=Decimal("0.98"), result="done", actor="agent")
    assert approved.status == "completed"


def test_an_overdue_escalation_is_flagged_once() -> None:
    pending = new_escalation()
    pending.flag_overdue(alert_id="alert_1")
    with pytest.raises(EscalationDecided):
        pending.flag_overdue(alert_id="alert_2")
    assert pending.overdue_alert == "alert_1"


def test_the_day_counts_every_escalation_recorded_on_it() -> None:
    day = EscalationDay(day="2026-11-30")
    for n in range(3):
        day.record(escalation_id=f"esc_{n}")
    assert day.count == 3 and day.id == EscalationDay.create_id("2026-11-30")
