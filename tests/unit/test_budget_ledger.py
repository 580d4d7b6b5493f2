"""The BudgetLedger aggregate and its calendar periods, with no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kyros.domain.budget_errors import BudgetExhausted
from kyros.domain.budget_ledger import period_end, period_start
from kyros.domain.errors import InvalidState
from tests.builders.aggregates import budget_ledger, budget_spec


def test_periods_are_utc_calendar_day_iso_week_from_monday_and_month() -> None:
    sunday = datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    assert period_start("daily", sunday) == date(2026, 11, 29)
    assert period_start("weekly", sunday) == date(2026, 11, 23)
    assert period_start("monthly", sunday) == date(2026, 11, 1)
    assert period_end("weekly", date(2026, 11, 23)) == date(2026, 11, 30)
    assert period_end("monthly", date(2026, 12, 1)) == date(2027, 1, 1)
    assert period_end("monthly", date(2027, 2, 1)) == date(2027, 3, 1)


def test_a_hard_budget_refuses_a_reservation_it_cannot_absorb_and_records_nothing() -> None:
    book = budget_ledger()
    book.reserve(task_id="t1", amount=Decimal("9"), spec=budget_spec(), alert_ids=["a1", "a2"])
    with pytest.raises(BudgetExhausted):
        book.reserve(
            task_id="t2", amount=Decimal("1.01"), spec=budget_spec(), alert_ids=["a3", "a4"]
        )
    assert book.reserved == {"t1": Decimal("9")}


def test_a_soft_budget_takes_the_reservation_and_warns_once() -> None:
    book = budget_ledger()
    soft = budget_spec(enforcement="soft")
    first = book.reserve(task_id="t1", amount=Decimal("12"), spec=soft, alert_ids=["a1", "a2"])
    second = book.reserve(task_id="t2", amount=Decimal("1"), spec=soft, alert_ids=["a3", "a4"])
    assert [c.kind for c in first] == ["threshold"] and second == []
    assert book.committed == Decimal("13")


def test_a_task_holds_at_most_one_reservation_per_ledger() -> None:
    book = budget_ledger()
    book.reserve(task_id="t1", amount=Decimal("1"), spec=budget_spec(), alert_ids=["a1", "a2"])
    with pytest.raises(InvalidState):
        book.reserve(task_id="t1", amount=Decimal("1"), spec=budget_spec(), alert_ids=["a3", "a4"])


def test_settling_replaces_the_estimate_with_the_actual_cost_and_an_overrun_is_crossed_once() -> (
    None
):
    book = budget_ledger()
    book.reserve(task_id="t1", amount=Decimal("2"), spec=budget_spec(), alert_ids=["a1", "a2"])
    crossings = book.settle(
        task_id="t1", actual=Decimal("10.5"), spec=budget_spec(), alert_ids=["a3", "a4"]
    )
    assert [(c.kind, c.alert_id) for c in crossings] == [("threshold", "a3"), ("overrun", "a4")]
    assert book.spent == Decimal("10.5") and book.reserved == {}
    again = book.settle(
        task_id="t2", actual=Decimal("1"), spec=budget_spec(), alert_ids=["a5", "a6"]
    )
    assert again == []


def test_spend_on_a_removed_budget_is_recorded_and_warns_nobody() -> None:
    book = budget_ledger()
    assert book.settle(task_id="t1", actual=Decimal("50"), spec=None, alert_ids=[]) == []
    assert book.spent == Decimal("50")


def test_releasing_what_a_task_does_not_hold_changes_nothing() -> None:
    book = budget_ledger()
    book.release(task_id="nobody", reason="cancelled")
    assert [type(e).__name__ for e in book.collect_events()] == ["Opened"]


class LedgerMachine(RuleBasedStateMachine):
    """The books balance after every step: committed = spent + live reservations, a hard limit
    is never passed by reservations, and each line is crossed at most once."""

    def __init__(self) -> None:
        super().__init__()
        self.book = budget_ledger()
        self.spec = budget_spec(limit="5")
        self.live: dict[str, Decimal] = {}
        self.spent = Decimal(0)
        self.next_task = 0
        self.next_alert = 0

    def _alerts(self) -> list[str]:
        self.next_alert += 2
        return [f"a{self.next_alert - 1}", f"a{self.next_alert}"]

    @rule(cents=st.integers(min_value=0, max_value=400))
    def reserve(self, cents: int) -> None:
        amount = Decimal(cents) / 100
        task = f"t{self.next_task}"
        self.next_task += 1
        fits = self.spent + sum(self.live.values(), Decimal(0)) + amount <= self.spec.limit
        try:
            self.book.reserve(task_id=task, amount=amount, spec=self.spec, alert_ids=self._alerts())
        except BudgetExhausted:
            assert not fits
            return
        assert fits
        self.live[task] = amount

    @precondition(lambda self: bool(self.live))
    @rule(data=st.data(), cents=st.integers(min_value=0, max_value=600))
    def settle(self, data: st.DataObject, cents: int) -> None:
        task = data.draw(st.sampled_from(sorted(self.live)))
        actual = Decimal(cents) / 100
        self.book.settle(task_id=task, actual=actual, spec=self.spec, alert_ids=self._alerts())
        del self.live[task]
        self.spent += actual

    @precondition(lambda self: bool(self.live))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(sorted(self.live)))
        self.book.release(task_id=task, reason="cancelled")
        del self.live[task]

    @invariant()
    def books_balance(self) -> None:
        assert self.book.reserved == self.live
        assert self.book.spent == self.spent
        assert self.book.committed == self.spent + sum(self.live.values(), Decimal(0))
        assert len(self.book.crossed) == len(set(self.book.crossed))
        if self.book.spent > self.spec.limit:
            assert "overrun" in self.book.crossed


TestLedgerBooksBalance = LedgerMachine.TestCase
TestLedgerBooksBalance.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)


@given(limit=st.integers(min_value=1, max_value=1000), extra=st.integers(min_value=1, max_value=99))
def test_a_hard_budget_takes_exactly_its_limit_and_not_a_cent_more(limit: int, extra: int) -> None:
    book = budget_ledger()
    hard = budget_spec(limit=str(limit))
    book.reserve(task_id="t1", amount=Decimal(limit), spec=hard, alert_ids=["a1", "a2"])
    with pytest.raises(BudgetExhausted):
        book.reserve(task_id="t2", amount=Decimal(extra) / 100, spec=hard, alert_ids=["a", "b"])
