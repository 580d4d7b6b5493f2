"""What opening and deciding an escalation does to its task and budgets
(kyros.domain.escalation_workflow), with no I/O."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyros.domain.budget_errors import BudgetExhausted
from kyros.domain.configuration import with_defaults
from kyros.domain.errors import DomainError
from kyros.domain.escalation import Escalation, EscalationDay
from kyros.domain.escalation_errors import EscalationRejected
from kyros.domain.escalation_workflow import (
    OpenEscalation,
    approved_run,
    carry_out,
    check_fundable,
    complete,
    escalate,
    escalation_models,
    overdue_alert,
    withdraw,
)
from kyros.domain.model_catalog import DEFAULT_CATALOG
from kyros.domain.routing_errors import ModelNotFound, ModelUnavailable
from kyros.domain.spending import Budgets, Payer
from kyros.domain.task import Task
from kyros.domain.task_routing import estimate
from kyros.ids import public_id
from tests.builders.aggregates import DEFAULT_MODEL as DEFAULT
from tests.builders.aggregates import NOW, budget_spec, new_escalation, new_task, submitted_task
from tests.builders.aggregates import PREMIUM_MODEL as PREMIUM
from tests.builders.aggregates import budgets as shared_budgets

CATALOG = DEFAULT_CATALOG


def task(status: str = "awaiting_approval") -> Task:
    """A task submitted by user_dev to the implementer role, brought to `status`."""
    waiting_on = ["task_dependency"] if status == "waiting" else []
    work = new_task(
        title="OAuth2 login",
        description="Add OAuth2 and SAML auth with JWT sessions",
        dependencies=waiting_on,
        tags=[],
        actor="user_dev",
    )
    if status == "pending":
        return work
    premium = status == "awaiting_approval"
    return submitted_task(
        work, model=PREMIUM if premium else DEFAULT, premium=premium, waiting_on=waiting_on
    )


def budgets(limit: str | None = "100") -> Budgets:
    """One daily hard system budget of `limit` (none when None) and its fresh ledger."""
    return shared_budgets({} if limit is None else {"b": budget_spec(limit, name="d")}, now=NOW)


def pending_escalation(work: Task, cost: str = "2") -> Escalation:
    """A pending escalation from the default to the premium model, recorded on the task."""
    escalation = new_escalation(task_id=public_id("task", work.id), estimated_cost=Decimal(cost))
    if work.status in ("queued", "failed", "awaiting_approval", "pending", "waiting"):
        work.request_escalation(
            escalation_id=public_id("esc", escalation.id), model=PREMIUM, actor="user_dev"
        )
    return escalation


def decide(escalation: Escalation, decision: str) -> None:
    if decision == "expired":
        escalation.expire(now=NOW + timedelta(hours=2))
    else:
        escalation.decide(decision=decision, reason=None, comments=None, now=NOW, actor="boss")


def move(escalation: Escalation, work: Task, books: Budgets, catalog: Any = CATALOG) -> None:
    carry_out(escalation, work, budgets=books, catalog=catalog, actor="boss", now=NOW)


def held(books: Budgets) -> Decimal:
    return books.current("b", books.specs["b"]).committed


def test_an_approval_requeues_the_task_on_the_target_model_holding_the_escalation_estimate() -> (
    None
):
    work, books = task(), budgets()
    escalation = pending_escalation(work, cost="2.5")
    decide(escalation, "approved")
    move(escalation, work, books)
    assert (work.status, work.submission["model"]) == ("queued", PREMIUM)  # type: ignore[index]
    assert work.escalation["state"] == "approved"  # type: ignore[index]
    assert work.reservation["amount"] == Decimal("2.5") and held(books) == Decimal("2.5")  # type: ignore[index]


@pytest.mark.parametrize("outcome", ["rejected", "expired"])
def test_a_rejection_or_expiry_runs_the_task_on_the_fallback_at_its_own_estimate(
    outcome: str,
) -> None:
    work, books = task(), budgets()
    escalation = pending_escalation(work)
    decide(escalation, outcome)
    move(escalation, work, books)
    assert (work.status, work.submission["model"]) == ("queued", DEFAULT)  # type: ignore[index]
    assert work.escalation["state"] == outcome  # type: ignore[index]
    assert held(books) == estimate(work, CATALOG, DEFAULT, NOW)


def test_the_old_reservation_is_released_when_the_model_changes() -> None:
    work, books = task("queued"), budgets()
    books.reserve(work, model=DEFAULT, amount=Decimal(1), actor="user_dev")
    escalation = pending_escalation(work, cost="3")
    decide(escalation, "approved")
    move(escalation, work, books)
    assert held(books) == Decimal(3)
    assert books.changed() == [books.current("b", books.specs["b"])]


def test_an_approval_a_hard_budget_cannot_fund_is_refused() -> None:
    work, books = task(), budgets("1")
    escalation = pending_escalation(work, cost="2")
    decide(escalation, "approved")
    with pytest.raises(BudgetExhausted):
        move(escalation, work, books)


def test_a_fallback_no_budget_can_fund_cancels_the_task_and_frees_its_old_reservation() -> None:
    work, books = task("queued"), budgets("0.0001")
    books.reserve(work, model=DEFAULT, amount=Decimal("0.0001"), actor="user_dev")
    escalation = pending_escalation(work)
    decide(escalation, "rejected")
    move(escalation, work, books)
    assert (work.status, work.reservation) == ("cancelled", None)
    assert held(books) == 0


def test_pending_work_only_records_the_outcome_for_its_dispatch() -> None:
    work, books = task("pending"), budgets()
    escalation = pending_escalation(work)
    decide(escalation, "approved")
    move(escalation, work, books)
    assert work.status == "pending" and work.preapproved_model() == PREMIUM
    assert books.changed() == []


def test_waiting_work_keeps_waiting_on_the_decided_model_and_holds_its_cost() -> None:
    work, books = task("waiting"), budgets()
    escalation = pending_escalation(work)
    decide(escalation, "approved")
    move(escalation, work, books)
    assert (work.status, work.submission["model"]) == ("waiting", PREMIUM)  # type: ignore[index]
    assert held(books) == Decimal(2)


def test_a_decision_moves_nothing_once_the_task_waits_on_another_escalation_or_is_gone() -> None:
    work, books = task(), budgets()
    earlier = pending_escalation(work)
    work.escalation = {**work.escalation, "id": "esc_other"}  # type: ignore[dict-item]
    decide(earlier, "approved")
    move(earlier, work, books)
    assert work.status == "awaiting_approval"
    cancelled = task()
    escalation = pending_escalation(cancelled)
    cancelled.cancel(reason=None, actor="user_dev")
    decide(escalation, "approved")
    move(escalation, cancelled, books)
    assert cancelled.status == "cancelled" and books.changed() == []


def test_the_decided_model_must_be_usable() -> None:
    work, books = task(), budgets()
    escalation = pending_escalation(work)
    decide(escalation, "approved")
    with pytest.raises(ModelUnavailable):
        move(escalation, work, books, CATALOG.with_status(PREMIUM, "unavailable"))


@settings(max_examples=60, deadline=None)
@given(
    outcome=st.sampled_from(["approved", "rejected", "expired"]),
    limit=st.decimals(min_value=0, max_value=5, places=2),
    cost=st.decimals(min_value=0, max_value=5, places=2),
)
def test_every_outcome_leaves_the_task_funded_on_the_decided_model_refused_or_cancelled(
    outcome: str, limit: Decimal, cost: Decimal
) -> None:
    work, books = task(), budgets(str(limit))
    escalation = pending_escalation(work, cost=str(cost))
    decide(escalation, outcome)
    model = PREMIUM if outcome == "approved" else DEFAULT
    try:
        move(escalation, work, books)
    except BudgetExhausted:
        assert outcome == "approved" and cost > limit
        return
    ledger = books.current("b", books.specs["b"])
    assert ledger.remaining(books.specs["b"]) >= 0
    if work.status == "cancelled":
        assert outcome != "approved" and work.reservation is None and ledger.committed == 0
    else:
        assert (work.status, work.submission["model"]) == ("queued", model)  # type: ignore[index]
        assert work.reservation["amount"] == ledger.committed  # type: ignore[index]


def request(**fields: Any) -> OpenEscalation:
    values: dict[str, Any] = {
        "escalation_id": uuid4(),
        "original": DEFAULT,
        "target": PREMIUM,
        "reason": "hard",
        "context": {},
        "estimate": Decimal(2),
        "priority": "high",
        "confidence": 0.95,
        "actor": "user_dev",
        "now": NOW,
        **fields,
    }
    return OpenEscalation(**values)


def configuration(**escalation: Any) -> dict[str, Any]:
    return with_defaults({"escalation": escalation})


def test_opening_counts_the_day_and_holds_for_a_person_when_a_rule_asks_for_one() -> None:
    work, day = task(), EscalationDay(day=NOW.date().isoformat())
    opened, outcome = escalate(
        work,
        day,
        request(confidence=0.1),
        settings=configuration(auto_approve_threshold=0.9),
        budgets=budgets(),
        catalog=CATALOG,
    )
    assert (opened.status, outcome.auto_approve, day.count) == ("pending_approval", False, 1)
    assert "confidence 0.1 is below 0.9" in outcome.explanation
    assert opened.expires_at == NOW + timedelta(
        minutes=configuration()["escalation"]["expire_after_minutes"]
    )
    assert work.escalation_pending()


def test_an_escalation_the_rules_allow_is_approved_and_carried_out_at_once() -> None:
    work, books = task(), budgets()
    opened, outcome = escalate(
        work,
        EscalationDay(day=NOW.date().isoformat()),
        request(),
        settings=configuration(approval_required=False),
        budgets=books,
        catalog=CATALOG,
    )
    assert (opened.status, outcome.auto_approve) == ("approved", True)
    assert (work.status, work.submission["model"]) == ("queued", PREMIUM)  # type: ignore[index]
    assert held(books) == Decimal(2)


def test_a_budget_that_cannot_absorb_the_estimate_keeps_a_person_in_the_loop() -> None:
    _, outcome = escalate(
        task(),
        EscalationDay(day=NOW.date().isoformat()),
        request(),
        settings=configuration(approval_required=False),
        budgets=budgets("1"),
        catalog=CATALOG,
    )
    assert not outcome.auto_approve
    assert "a budget cannot absorb the estimate" in outcome.explanation


def test_the_fallback_is_the_original_model_when_the_configured_one_is_the_target() -> None:
    settings_ = with_defaults({"models": {"fallback_model": PREMIUM}})
    opened, _ = escalate(
        task(),
        EscalationDay(day=NOW.date().isoformat()),
        request(confidence=0.0),
        settings=settings_,
        budgets=budgets(),
        catalog=CATALOG,
    )
    assert opened.fallback_model == DEFAULT


def test_the_models_default_to_the_submitted_one_and_the_configured_escalation_model() -> None:
    models = configuration()["models"]
    assert escalation_models(task("queued"), models, CATALOG, None, None) == (DEFAULT, PREMIUM)
    with pytest.raises(ModelNotFound):
        escalation_models(task(), models, CATALOG, "gpt-0", None)
    with pytest.raises(DomainError):
        escalation_models(task(), models, CATALOG, PREMIUM, PREMIUM)
    unavailable = CATALOG.with_status(PREMIUM, "unavailable")
    with pytest.raises(ModelUnavailable):
        escalation_models(task(), models, unavailable, DEFAULT, PREMIUM)


def test_an_escalation_a_hard_budget_could_not_fund_is_rejected_up_front() -> None:
    payer = Payer("implementer", "user_dev")
    check_fundable(budgets("2"), payer, PREMIUM, Decimal(2))
    check_fundable(budgets(None), payer, PREMIUM, Decimal(1000))
    with pytest.raises(EscalationRejected) as refused:
        check_fundable(budgets("2"), payer, PREMIUM, Decimal("2.01"))
    assert refused.value.field == "estimated_cost"


def test_an_overdue_escalation_is_flagged_with_one_alert_saying_how_long_it_waited() -> None:
    escalation = pending_escalation(task())
    alert_id = uuid4()
    alert = overdue_alert(escalation, alert_id=alert_id, waited=timedelta(minutes=61, seconds=5))
    raised = alert.pending_events[0]
    assert escalation.overdue_alert == public_id("alert", alert_id)
    assert raised.message.endswith("has waited 61 minutes for a decision")
    assert (alert.alert_type, raised.details["waiting_minutes"]) == ("escalation_pending", 61)
    assert not escalation.awaits_overdue_alert()


def test_a_finished_run_completes_only_the_escalation_approved_for_its_model() -> None:
    work, books = task(), budgets()
    escalation = pending_escalation(work)
    assert approved_run(work) is None  # still pending
    decide(escalation, "approved")
    move(escalation, work, books)
    assert approved_run(work) == public_id("esc", escalation.id)
    assert complete(escalation, actual=Decimal("1.7"), result="done") == [escalation]
    assert escalation.status == "completed"
    completed = escalation.collect_events()[-1]
    assert (type(completed).__name__, completed.actual_cost) == ("Completed", Decimal("1.7"))
    assert complete(escalation, actual=Decimal(9), result="again") == []  # once


def test_a_run_on_the_fallback_completes_no_escalation() -> None:
    work, books = task(), budgets()
    escalation = pending_escalation(work)
    decide(escalation, "rejected")
    move(escalation, work, books)
    assert approved_run(work) is None


def test_cancelling_withdraws_a_pending_escalation_and_leaves_a_decided_one() -> None:
    work = task()
    pending, decided = pending_escalation(work), pending_escalation(task())
    decide(decided, "rejected")
    assert withdraw(pending, reason="no longer needed", actor="user_dev") == [pending]
    assert pending.status == "withdrawn"
    assert withdraw(decided, reason="no longer needed", actor="user_dev") == []
    assert decided.status == "rejected"
