"""Budget definitions and alerts, with no I/O."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from kyros.domain.alert import Alert
from kyros.domain.alert_errors import AlertClosed
from kyros.domain.budget import MAX_BUDGETS, BudgetBook, validate_budget
from kyros.domain.budget_errors import BudgetNotFound
from kyros.domain.errors import DomainError


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period": "daily", "limit": 1}, "name"),
        ({"name": "x", "limit": 1}, "period"),
        ({"name": "x", "period": "hourly", "limit": 1}, "period"),
        ({"name": "x", "period": "daily", "limit": -1}, "limit"),
        ({"name": "x", "period": "daily", "limit": True}, "limit"),
        ({"name": "x", "period": "daily", "limit": "NaN"}, "limit"),
        ({"name": "x", "period": "daily", "limit": 1, "scope": "role"}, "scope_value"),
        ({"name": "x", "period": "daily", "limit": 1, "scope_value": "critic"}, "scope_value"),
        ({"name": "x", "period": "daily", "limit": 1, "alert_threshold": 2}, "alert_threshold"),
        ({"name": "x", "period": "daily", "limit": 1, "colour": "red"}, "colour"),
        ({"name": " ", "period": "daily", "limit": 1}, "name"),
    ],
)
def test_a_bad_definition_names_its_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        validate_budget(fields)
    assert refused.value.field == field


def test_limits_are_kept_to_the_cent_and_thresholds_exactly() -> None:
    spec = validate_budget(
        {"name": "x", "period": "daily", "limit": "12.3", "alert_threshold": "0.75"}
    )
    assert str(spec.limit) == "12.30"
    assert spec.alert_threshold == Decimal("0.75")


def test_a_book_applies_the_budgets_whose_scope_matches_in_id_order() -> None:
    book = BudgetBook(actor="admin")
    book.define(budget_id="b2", fields={"name": "all", "period": "daily", "limit": 10}, actor="a")
    book.define(
        budget_id="b1",
        fields={
            "name": "critic",
            "period": "daily",
            "limit": 5,
            "scope": "role",
            "scope_value": "critic",
        },
        actor="a",
    )
    book.define(
        budget_id="b3",
        fields={"name": "off", "period": "daily", "limit": 5, "enabled": False},
        actor="a",
    )
    assert [bid for bid, _ in book.applicable("critic", "glm-4.5", "user_1")] == ["b1", "b2"]
    assert [bid for bid, _ in book.applicable("architect", "glm-4.5", "user_1")] == ["b2"]


def test_names_are_unique_whatever_their_case_and_changes_record_old_and_new() -> None:
    book = BudgetBook(actor="admin")
    book.define(budget_id="b1", fields={"name": "Team", "period": "daily", "limit": 10}, actor="a")
    with pytest.raises(DomainError):
        book.define(
            budget_id="b2", fields={"name": "team", "period": "weekly", "limit": 1}, actor="a"
        )
    book.change(budget_id="b1", fields={"limit": 20}, actor="a")
    changed = book.collect_events()[-1]
    assert changed.changes == {"limit": {"old": Decimal("10.00"), "new": Decimal("20.00")}}  # type: ignore[attr-defined]


def test_a_removed_budget_is_gone_and_the_book_is_bounded() -> None:
    book = BudgetBook(actor="admin")
    for n in range(MAX_BUDGETS):
        book.define(
            budget_id=f"b{n}", fields={"name": f"n{n}", "period": "daily", "limit": 1}, actor="a"
        )
    with pytest.raises(DomainError):
        book.define(
            budget_id="extra", fields={"name": "x", "period": "daily", "limit": 1}, actor="a"
        )
    book.remove(budget_id="b0", actor="a")
    with pytest.raises(BudgetNotFound):
        book.get("b0")


def alert() -> Alert:
    return Alert(
        alert_id=uuid4(),
        alert_type="budget_threshold",
        severity="warning",
        message="80% used",
        details={},
        actor="system",
    )


def test_an_alert_is_acknowledged_once_and_resolved_once() -> None:
    raised = alert()
    raised.acknowledge(note="looking", actor="ops")
    with pytest.raises(AlertClosed):
        raised.acknowledge(note=None, actor="ops")
    raised.resolve(note="raised the limit", actor="ops")
    assert raised.status == "resolved"
    with pytest.raises(AlertClosed):
        raised.resolve(note=None, actor="ops")


def test_an_active_alert_may_be_resolved_directly() -> None:
    raised = alert()
    raised.resolve(note=None, actor="ops")
    assert raised.status == "resolved"
