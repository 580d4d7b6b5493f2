"""The what-if replay as a pure function: exact, deterministic, monotone in prices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyros.domain.agent_roles import DEFAULT_ROLES
from kyros.domain.configuration import DEFAULTS
from kyros.domain.errors import DomainError
from kyros.domain.model_catalog import DEFAULT_CATALOG, Usage, price
from kyros.domain.what_if import Attempt, RoutedTask, replay
from kyros.domain.what_if_period import MAX_DAYS, period
from kyros.domain.what_if_scenario import (
    EscalationOverride,
    Live,
    PriceOverride,
    RoutingOverride,
    Scenario,
    check_scenarios,
)

LIVE = Live(
    DEFAULT_CATALOG, dict(DEFAULTS["models"]), dict(DEFAULT_ROLES), dict(DEFAULTS["escalation"])
)
GLM, OPUS = "glm-4.5", "claude-4.1-opus"
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
PLAIN = RoutedTask(title="Fix a typo", description="", task_type="implementation")
SECURE = RoutedTask(
    title="Implement OAuth2 login with SAML and JWT session tokens",
    description="",
    task_type="implementation",
    files_to_modify=("auth/oauth2.py",),
)


def attempt(
    task: RoutedTask, model: str, usage: Usage, *, escalated: bool = False, n: int = 0, **kw: Any
) -> Attempt:
    fields: dict[str, Any] = {
        "task_id": f"task_{n}",
        "version": 5,
        "day": (T0 + timedelta(hours=n)).date().isoformat(),
        "submitted_at": T0 + timedelta(hours=n),
        "role": "implementer",
        "task_type": task.task_type,
        "model": model,
        "usage": usage,
        "cost": price(usage, DEFAULT_CATALOG.get(model).pricing),
        "escalated": escalated,
        "task": task,
        **kw,
    }
    return Attempt(**fields)


def totals(view: dict[str, Any]) -> dict[str, Any]:
    keys = ("total_cost", "attempts", "by_model", "by_role", "by_task_type", "by_day")
    return {key: view[key] for key in keys}


def test_moving_the_default_model_reprices_default_work_and_avoids_nothing_it_did_not_raise() -> (
    None
):
    usage = Usage(10_000, 2_000, 1_000)
    plain = attempt(PLAIN, GLM, usage, n=0)
    secure = attempt(SECURE, OPUS, usage, escalated=True, n=1)
    scenario = Scenario(name="opus", routing=RoutingOverride(default_model=OPUS))
    result = replay([plain, secure], LIVE, (scenario,))
    (run,) = result["scenarios"]
    on_opus = price(usage, DEFAULT_CATALOG.get(OPUS).pricing)
    assert result["actual"]["total_cost"] == plain.cost + secure.cost
    assert run["total_cost"] == on_opus * 2
    assert run["by_model"] == {OPUS: {"cost": on_opus * 2, "attempts": 2}}
    assert [c["task_id"] for c in run["changed_routes"]] == ["task_0"]  # task_1 ran on opus
    # Opus as the default is no longer premium: the secure task's escalation is avoided.
    assert run["escalations"]["avoided_tasks"] == ["task_1"]
    assert run["savings"] == result["actual"]["total_cost"] - run["total_cost"] < 0


def test_a_token_ratio_scales_only_work_that_moves_onto_its_model_from_another() -> None:
    usage = Usage(10_000, 2_000)
    plain, secure = attempt(PLAIN, GLM, usage), attempt(SECURE, OPUS, usage, n=1, escalated=True)
    scenario = Scenario(
        name="opus", routing=RoutingOverride(default_model=OPUS), token_ratio={OPUS: D("0.5")}
    )
    (run,) = replay([plain, secure], LIVE, (scenario,))["scenarios"]
    halved = price(Usage(5_000, 1_000), DEFAULT_CATALOG.get(OPUS).pricing)
    assert [c["scenario_cost"] for c in run["changed_routes"]] == [halved]
    assert run["by_model"][OPUS]["cost"] == halved + secure.cost


def test_lower_thresholds_raise_escalations_that_the_rules_then_hold_for_a_person() -> None:
    plain = attempt(PLAIN, GLM, Usage(1_000, 100))
    scenario = Scenario(
        name="strict",
        routing=RoutingOverride(complexity_threshold=0.0),
        escalation=EscalationOverride(auto_approve_threshold=1.0),
    )
    (run,) = replay([plain], LIVE, (scenario,))["scenarios"]
    assert run["by_model"][OPUS]["attempts"] == 1
    assert run["escalations"] | {"raised_tasks": None} == {
        "total": 1,
        "auto_approved": 0,
        "needs_approval": 1,
        "raised": 1,
        "avoided": 0,
        "raised_tasks": None,
        "avoided_tasks": [],
    }


def test_turning_approval_off_approves_every_escalation_within_the_daily_maximum() -> None:
    secure = [attempt(SECURE, OPUS, Usage(1_000, 100), escalated=True, n=i) for i in range(3)]
    scenario = Scenario(
        name="unattended",
        escalation=EscalationOverride(approval_required=False, max_daily_escalations=2),
    )
    (run,) = replay(secure, LIVE, (scenario,))["scenarios"]
    assert (run["escalations"]["auto_approved"], run["escalations"]["needs_approval"]) == (2, 1)


def test_work_the_live_policy_does_not_explain_keeps_its_recorded_model() -> None:
    """A plain task that ran on opus was pinned or approved by hand: nothing moves it."""
    pinned = attempt(PLAIN, OPUS, Usage(1_000, 100))
    scenario = Scenario(name="glm", routing=RoutingOverride(escalation_model=GLM))
    (run,) = replay([pinned], LIVE, (scenario,))["scenarios"]
    assert (run["routes_changed"], run["total_cost"]) == (0, pinned.cost)


def test_scenarios_are_refused_naming_the_field_at_fault() -> None:
    def refused(*scenarios: Scenario) -> str | None:
        with pytest.raises(DomainError) as error:
            check_scenarios(scenarios, DEFAULT_CATALOG)
        return error.value.field

    assert refused() == "scenarios"
    assert refused(*(Scenario(name=f"s{i}") for i in range(11))) == "scenarios"
    assert refused(Scenario(name="a"), Scenario(name="a")) == "scenarios[1].name"
    unknown = Scenario(name="a", routing=RoutingOverride(default_model="gpt-9"))
    assert refused(unknown) == "scenarios[0].routing.default_model"
    negative = Scenario(name="a", prices={GLM: PriceOverride(input_per_1k=D("-1"))})
    assert refused(negative) == "scenarios[0].prices.glm-4.5.input_per_1k"
    assert (
        refused(Scenario(name="a", token_ratio={GLM: D("NaN")}))
        == "scenarios[0].token_ratio.glm-4.5"
    )


def test_a_period_is_bounded_and_ordered() -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    assert period("2026-11-01", "2026-12-01", now) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert period(None, None, now) == (now - timedelta(30), now)
    for start, end, field in (
        ("2026-11-02", "2026-11-01", "to"),
        ("2020-01-01", "2026-01-01", "to"),
        ("yesterday", None, "from"),
        ("2026-11-01T00:00:00", None, "from"),
    ):
        with pytest.raises(DomainError) as error:
            period(start, end, now)
        assert error.value.field == field
    assert MAX_DAYS == 400


TITLES = st.sampled_from(
    ["Fix a typo", "Rotate the JWT signing secret", "Design the payment service", "Add tests"]
)
TASKS = st.builds(
    RoutedTask,
    title=TITLES,
    description=st.just(""),
    task_type=st.sampled_from(["implementation", "review", "design", "testing"]),
    files_to_modify=st.lists(st.sampled_from(["a.py", "auth/b.py", "c.md"]), max_size=12).map(
        tuple
    ),
    deadline=st.none() | st.just(T0 + timedelta(hours=20)),
    metadata=st.just({}) | st.just({"business_critical": True, "service_count": 3}),
)
USAGES = st.builds(
    lambda i, o, c: Usage(i, o, min(c, i)),
    st.integers(0, 2_000_000),
    st.integers(0, 200_000),
    st.integers(0, 100_000),
)
ATTEMPTS = st.lists(
    st.builds(
        lambda n, task, model, usage, escalated, role, cost: attempt(
            task, model, usage, escalated=escalated, n=n, role=role, cost=cost
        ),
        st.integers(0, 60),
        TASKS,
        st.sampled_from([GLM, OPUS]),
        USAGES,
        st.booleans(),
        st.sampled_from(["architect", "implementer", "critic", "integrator"]),
        st.decimals(0, 100, places=6),  # recorded costs need not match today's prices
    ),
    max_size=25,
)
ROUTING = st.builds(
    RoutingOverride,
    default_model=st.none() | st.sampled_from([GLM, OPUS]),
    escalation_model=st.none() | st.sampled_from([GLM, OPUS]),
    complexity_threshold=st.none() | st.floats(0, 1),
    security_threshold=st.none() | st.floats(0, 1),
)
PRICES = st.builds(
    PriceOverride,
    input_per_1k=st.decimals(0, 1, places=4),
    output_per_1k=st.decimals(0, 1, places=4),
    cached_input_per_1k=st.decimals(0, 1, places=4),
)


@settings(max_examples=60, deadline=None)
@given(ATTEMPTS)
def test_a_scenario_equal_to_the_live_configuration_reproduces_the_actual_figures(
    attempts: list[Attempt],
) -> None:
    restated = Scenario(
        name="restated",
        routing=RoutingOverride(default_model=GLM, escalation_model=OPUS),
        escalation=EscalationOverride(approval_required=True),
    )
    result = replay(attempts, LIVE, (Scenario(name="as is"), restated))
    for run in result["scenarios"]:
        assert totals(run) == totals(result["actual"])
        assert (run["savings"], run["routes_changed"]) == (0, 0)
        escalations = run["escalations"]
        assert (escalations["raised"], escalations["avoided"]) == (0, 0)
        assert escalations["total"] == result["actual"]["escalations"]


@settings(max_examples=60, deadline=None)
@given(ATTEMPTS, ROUTING, st.sampled_from([GLM, OPUS]), PRICES, PRICES)
def test_raising_a_models_price_never_lowers_a_scenario_total(
    attempts: list[Attempt],
    routing: RoutingOverride,
    model: str,
    low: PriceOverride,
    rise: PriceOverride,
) -> None:
    high = PriceOverride(
        **{
            name: getattr(low, name) + getattr(rise, name)
            for name in PriceOverride.__struct_fields__
        }
    )
    cheap = Scenario(name="cheap", routing=routing, prices={model: low})
    dear = msgspec.structs.replace(cheap, name="dear", prices={model: high})
    result = replay(attempts, LIVE, (cheap, dear))
    assert result["scenarios"][0]["total_cost"] <= result["scenarios"][1]["total_cost"]


@settings(max_examples=20, deadline=None)
@given(ATTEMPTS, ROUTING)
def test_the_same_attempts_and_scenario_give_the_same_figures(
    attempts: list[Attempt], routing: RoutingOverride
) -> None:
    scenario = Scenario(name="s", routing=routing)
    assert replay(attempts, LIVE, (scenario,)) == replay(list(attempts), LIVE, (scenario,))
