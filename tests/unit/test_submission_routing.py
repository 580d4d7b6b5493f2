"""The model a submission runs on, held to what hard budgets have left
(kyros.domain.task_routing.route_submission), with no I/O."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kyros.domain.escalation_errors import EscalationRejected
from kyros.domain.model_catalog import DEFAULT_CATALOG
from kyros.domain.routing import (
    EscalationRules,
    RoutingDecision,
    RoutingPolicy,
    RoutingPreferences,
)
from kyros.domain.task import Task
from kyros.domain.task_routing import estimate, route_submission
from tests.builders.aggregates import DEFAULT_MODEL as DEFAULT
from tests.builders.aggregates import NOW, new_task
from tests.builders.aggregates import PREMIUM_MODEL as PREMIUM

POLICY = RoutingPolicy(
    DEFAULT_CATALOG,
    default_model=DEFAULT,
    escalation_model=PREMIUM,
    fallback_model=DEFAULT,
    rules=EscalationRules(),
)


def secure_task() -> Task:
    return new_task(
        title="OAuth2 login",
        description="Add OAuth2 and SAML auth with JWT sessions",
        files_to_modify=["auth/oauth2.py"],
        tags=[],
        metadata={"security_sensitive": True},
        actor="user_dev",
    )


def route(
    hard_left: Decimal | None, model: str | None = None, preapproved: str | None = None
) -> RoutingDecision:
    preferences = RoutingPreferences(False, False, model)
    return route_submission(
        secure_task(), POLICY, preferences, preapproved=preapproved, hard_left=hard_left, now=NOW
    )


def test_security_work_is_routed_to_the_premium_model_when_budgets_allow() -> None:
    decision = route(None)
    assert (decision.selected_model, decision.premium) == (PREMIUM, True)
    assert decision.estimated_cost == estimate(secure_task(), DEFAULT_CATALOG, PREMIUM, NOW)


def test_premium_work_a_hard_budget_cannot_take_runs_on_the_default_model() -> None:
    decision = route(Decimal("0.0001"))
    assert (decision.selected_model, decision.premium) == (DEFAULT, False)


def test_a_premium_model_asked_for_beyond_a_hard_budget_is_rejected() -> None:
    with pytest.raises(EscalationRejected) as refused:
        route(Decimal("0.0001"), model=PREMIUM)
    assert refused.value.field == "preferences.model"


def test_the_model_of_an_approved_escalation_runs_without_asking_again() -> None:
    decision = route(None, model=PREMIUM, preapproved=PREMIUM)
    assert (decision.selected_model, decision.premium) == (PREMIUM, False)
