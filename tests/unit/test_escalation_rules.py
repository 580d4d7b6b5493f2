"""The auto-approval rules, as one pure decision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kyros.domain.escalation_rules import EscalationFacts, decide_automatically

RULES: dict[str, Any] = {
    "approval_required": True,
    "auto_approve_threshold": 0.9,
    "cost_threshold": Decimal("1.00"),
    "max_daily_escalations": 10,
}


def facts(**overrides: Any) -> EscalationFacts:
    base: dict[str, Any] = {
        "confidence": 0.95,
        "estimated_cost": Decimal("0.50"),
        "escalations_today": 0,
        "budget_absorbs": True,
    }
    return EscalationFacts(**{**base, **overrides})


def test_within_every_rule_is_auto_approved() -> None:
    outcome = decide_automatically(RULES, facts())
    assert outcome.auto_approve and outcome.explanation == "auto-approved: within every rule"


def test_low_confidence_asks_for_a_person_and_says_why() -> None:
    outcome = decide_automatically(RULES, facts(confidence=0.5))
    assert not outcome.auto_approve and "confidence 0.5 is below 0.9" in outcome.explanation


def test_an_estimate_over_the_cost_threshold_asks_for_a_person() -> None:
    outcome = decide_automatically(RULES, facts(estimated_cost=Decimal("1.01")))
    assert not outcome.auto_approve and "exceeds the 1.00 threshold" in outcome.explanation


def test_an_estimate_exactly_at_the_threshold_is_allowed() -> None:
    assert decide_automatically(RULES, facts(estimated_cost=Decimal("1.00"))).auto_approve


def test_every_refusing_rule_is_named() -> None:
    outcome = decide_automatically(
        RULES,
        facts(
            confidence=0.1, estimated_cost=Decimal(5), escalations_today=10, budget_absorbs=False
        ),
    )
    assert outcome.explanation.count(";") == 3


def test_without_approval_required_confidence_and_cost_do_not_matter() -> None:
    rules = {**RULES, "approval_required": False}
    outcome = decide_automatically(rules, facts(confidence=0.0, estimated_cost=Decimal(99)))
    assert outcome.auto_approve and "approval not required" in outcome.explanation


@given(
    today=st.integers(min_value=0, max_value=50),
    absorbs=st.booleans(),
    required=st.booleans(),
)
def test_the_daily_maximum_and_the_budget_bind_even_without_approval_required(
    today: int, absorbs: bool, required: bool
) -> None:
    rules = {**RULES, "approval_required": required}
    outcome = decide_automatically(rules, facts(escalations_today=today, budget_absorbs=absorbs))
    assert outcome.auto_approve == (today < RULES["max_daily_escalations"] and absorbs)
