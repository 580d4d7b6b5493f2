"""The spending policy over budgets and their ledgers (kyros.domain.spending), with no I/O."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kyros.domain.alert import Alert
from kyros.domain.budget_errors import BudgetExhausted
from kyros.domain.budget_ledger import BudgetLedger
from kyros.domain.spending import Budgets, Payer, held_ledgers
from kyros.domain.task import Task
from kyros.ids import public_id
from tests.builders.aggregates import DEFAULT_MODEL as MODEL
from tests.builders.aggregates import NOW, budget_spec, budgets, new_task, submitted_task


def ledger_of(books: Budgets, budget_id: str) -> BudgetLedger:
    return books.current(budget_id, books.specs[budget_id])


def raised(alert: Alert) -> Any:
    """The alert's Raised event, still pending (nothing was saved)."""
    return alert.pending_events[0]


def alerts(books: Budgets) -> list[Alert]:
    return [a for a in books.changed() if isinstance(a, Alert)]


def test_a_payer_is_the_submitter_and_role_of_the_task_or_its_assignee_and_the_actor() -> None:
    critics_work = submitted_task(new_task(actor="user_a"), role="critic")
    assert Payer.of(critics_work, "user_b") == Payer("critic", "user_a")
    unsubmitted = submitted_task()
    unsubmitted.submission = None
    unsubmitted.assignee_role = "architect"
    assert Payer.of(unsubmitted, "user_b") == Payer("architect", "user_b")


def test_only_budgets_whose_scope_matches_the_work_apply() -> None:
    books = budgets(
        {
            "b_system": budget_spec("10"),
            "b_critic": budget_spec("10", scope="role", scope_value="critic"),
            "b_model": budget_spec("10", scope="model", scope_value=MODEL),
            "b_off": budget_spec("10", enabled=False),
        }
    )
    task = submitted_task()
    books.reserve(task, model=MODEL, amount=Decimal(2), actor="user_dev")
    held = {ledger.budget_id for ledger in books.changed()}
    assert held == {"b_system", "b_model"}
    assert task.reservation["amount"] == Decimal(2)  # type: ignore[index]


def test_a_reservation_is_all_or_nothing_across_budgets() -> None:
    books = budgets({"b1": budget_spec("100"), "b2": budget_spec("1")})
    task = submitted_task()
    with pytest.raises(BudgetExhausted):
        books.reserve(task, model=MODEL, amount=Decimal(5), actor="user_dev")
    assert books.changed() == [] and task.reservation is None
    assert ledger_of(books, "b1").reserved == {}  # the budget that could take it took nothing


def test_a_soft_budget_takes_what_it_cannot_absorb_and_warns_once() -> None:
    books = budgets({"soft": budget_spec("10", "soft")})
    first, second = submitted_task(), submitted_task()
    books.reserve(first, model=MODEL, amount=Decimal(12), actor="user_dev")
    books.reserve(second, model=MODEL, amount=Decimal(1), actor="user_dev")
    assert ledger_of(books, "soft").committed == Decimal(13)
    assert [a.alert_type for a in alerts(books)] == ["budget_threshold"]


def test_hard_remaining_is_the_least_a_hard_budget_has_left_and_absorbs_counts_soft_ones() -> None:
    books = budgets({"hard": budget_spec("10"), "soft": budget_spec("3", "soft")})
    payer = Payer("implementer", "user_dev")
    assert books.hard_remaining(payer, MODEL) == Decimal(10)
    assert books.absorbs(payer, MODEL, Decimal(3)) is True
    assert books.absorbs(payer, MODEL, Decimal("3.01")) is False
    assert budgets({"soft": budget_spec("3", "soft")}).hard_remaining(payer, MODEL) is None


def test_settling_replaces_the_estimate_with_the_actual_cost_and_an_overrun_alerts() -> None:
    books = budgets({"hard": budget_spec("10")})
    task = submitted_task()
    books.reserve(task, model=MODEL, amount=Decimal(2), actor="user_dev")
    books.settle(task, actual=Decimal("12.5"), actor="agent")
    ledger = ledger_of(books, "hard")
    assert (ledger.spent, ledger.reserved, task.reservation) == (Decimal("12.5"), {}, None)
    overrun = [a for a in alerts(books) if a.alert_type == "cost_overrun"]
    assert len(overrun) == 1 and overrun[0].severity == "error"


def test_a_removed_budget_still_records_the_spend_and_warns_nobody() -> None:
    books = budgets({"hard": budget_spec("10")})
    task = submitted_task()
    books.reserve(task, model=MODEL, amount=Decimal(2), actor="user_dev")
    held = ledger_of(books, "hard")
    later = budgets({}, [held])
    later.settle(task, actual=Decimal(50), actor="agent")
    assert held.spent == Decimal(50) and alerts(later) == []


def test_releasing_gives_the_estimate_back_and_the_task_holds_nothing() -> None:
    books = budgets({"hard": budget_spec("10")})
    task = submitted_task()
    books.reserve(task, model=MODEL, amount=Decimal(4), actor="user_dev")
    books.release(task, reason="failed", actor="agent")
    assert ledger_of(books, "hard").committed == 0 and task.reservation is None
    books.release(task, reason="again", actor="agent")  # nothing held: nothing happens


def test_a_ledger_released_and_reserved_again_in_one_command_is_saved_once() -> None:
    books = budgets({"hard": budget_spec("10")})
    task = submitted_task()
    books.reserve(task, model=MODEL, amount=Decimal(4), actor="user_dev")
    books.release(task, reason="model changed", actor="approver")
    books.reserve(task, model=MODEL, amount=Decimal(6), actor="approver")
    assert books.changed() == [ledger_of(books, "hard")]
    assert held_ledgers(task) == [ledger_of(books, "hard").id]


def test_with_alerts_disabled_a_crossing_is_recorded_but_raises_nothing() -> None:
    books = budgets({"hard": budget_spec("10")}, alerts=False)
    books.reserve(submitted_task(), model=MODEL, amount=Decimal(9), actor="user_dev")
    assert ledger_of(books, "hard").crossed == ["threshold"] and alerts(books) == []


def test_the_alerts_say_which_budget_and_how_far_it_went() -> None:
    books = budgets({"b": budget_spec("10", "soft")})
    task = submitted_task()
    books.reserve(task, model=MODEL, amount=Decimal(9), actor="user_dev")
    books.settle(task, actual=Decimal(15), actor="agent")
    events = {a.alert_type: raised(a) for a in alerts(books)}
    threshold, overrun = events["budget_threshold"], events["cost_overrun"]
    assert threshold.message == "Daily budget 'soft 10' is 90% committed"
    assert threshold.details["threshold"] == Decimal("0.8")
    assert overrun.message == "Daily cost exceeded budget 'soft 10' by 50%"
    assert (overrun.severity, overrun.details["overrun"]) == ("warning", Decimal(5))


def test_a_ledger_the_command_did_not_load_is_a_bug_not_a_new_ledger() -> None:
    books = Budgets(
        specs={"b": budget_spec("10")},
        ledgers=[],
        now=NOW,
        alerts_enabled=True,
        new_alert_id=lambda: public_id("alert", UUID(int=1)),
    )
    with pytest.raises(LookupError):
        books.reserve(submitted_task(), model=MODEL, amount=Decimal(1), actor="user_dev")


AMOUNTS = st.decimals(min_value=0, max_value=8, places=2)


class SpendingPolicy(RuleBasedStateMachine):
    """Reservations, settlements and releases in any order against one hard and one soft
    budget: a hard budget never commits more than its limit, and each line alerts once."""

    def __init__(self) -> None:
        super().__init__()
        self.books = budgets({"hard": budget_spec("20"), "soft": budget_spec("10", "soft")})
        self.open: list[Task] = []

    @rule(amount=AMOUNTS)
    def reserve(self, amount: Decimal) -> None:
        task = submitted_task()
        hard = ledger_of(self.books, "hard")
        before = dict(hard.reserved)
        try:
            self.books.reserve(task, model=MODEL, amount=amount, actor="user_dev")
        except BudgetExhausted:
            assert amount > hard.remaining(self.books.specs["hard"])
            assert hard.reserved == before and task.reservation is None
            return
        self.open.append(task)
        assert hard.remaining(self.books.specs["hard"]) >= 0

    @precondition(lambda self: self.open)
    @rule(actual=AMOUNTS, data=st.data())
    def settle(self, actual: Decimal, data: st.DataObject) -> None:
        task = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        self.books.settle(task, actual=actual, actor="agent")

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        task = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        self.books.release(task, reason="failed", actor="agent")

    @invariant()
    def books_balance_and_alerts_are_raised_once_per_line(self) -> None:
        for budget_id in ("hard", "soft"):
            ledger = ledger_of(self.books, budget_id)
            held = {public_task_id(t): t.reservation["amount"] for t in self.open}  # type: ignore[index]
            assert ledger.reserved == held
            raised = [a for a in alerts(self.books) if budget_of(a) == budget_id]
            assert len(raised) == len(ledger.crossed) == len(set(ledger.crossed))
        hard = ledger_of(self.books, "hard")
        assert sum(hard.reserved.values(), Decimal(0)) <= self.books.specs["hard"].limit


def public_task_id(task: Task) -> str:
    return public_id("task", task.id)


def budget_of(alert: Alert) -> str:
    return raised(alert).details["budget_id"]  # type: ignore[no-any-return]


TestSpendingPolicy = SpendingPolicy.TestCase
TestSpendingPolicy.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
