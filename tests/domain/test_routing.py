"""The routing policy: spec examples, thresholds, budget and availability, and its guarantees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kyros.domain.model_catalog import DEFAULT_CATALOG, Catalog, Usage, price
from kyros.domain.routing import (
    ComplexityIndicators,
    EscalationRules,
    RoutingContext,
    RoutingPolicy,
    RoutingPreferences,
    RoutingRequest,
    assess,
    estimate_usage,
    select_model,
)
from kyros.domain.routing_errors import (
    BudgetExceeded,
    InvalidConfiguration,
    InvalidRoutingRequest,
    ModelNotFound,
    ModelUnavailable,
)

NOW = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
GLM, OPUS = "glm-4.5", "claude-4.1-opus"
POLICY = RoutingPolicy(
    DEFAULT_CATALOG, default_model=GLM, escalation_model=OPUS, fallback_model=GLM
)
SPEC_BODY = b"""{
  "task_description": "Implement OAuth2 authentication with SAML integration",
  "task_type": "implementation",
  "files_to_modify": ["auth.py", "security/oauth2.py", "security/saml.py"],
  "complexity_indicators": {
    "file_count": 3, "service_count": 2, "security_sensitive": true, "business_critical": true
  },
  "context": {
    "now": "2024-01-15T10:30:00Z", "deadline": "2024-01-20T23:59:59Z",
    "team_experience": "medium", "budget_remaining": 100.0
  },
  "preferences": {"cost_sensitive": true, "quality_critical": true}
}"""


def request(description: str = "Fix a typo in the README", **changes: object) -> RoutingRequest:
    base = RoutingRequest(description, "implementation", RoutingContext(now=NOW), ("README.md",))
    return msgspec.structs.replace(base, **changes)


def with_budget(budget: Decimal | None, base: RoutingRequest) -> RoutingRequest:
    context = msgspec.structs.replace(base.context, budget_remaining=budget)
    return msgspec.structs.replace(base, context=context)


def opus_estimate(routing: RoutingRequest) -> Decimal:
    return price(estimate_usage(routing), DEFAULT_CATALOG.get(OPUS).pricing)


words = st.sampled_from(["add", "endpoint", "refactor", "oauth", "payment", "cache", "saml", "ui"])
paths = st.sampled_from(["api/users.py", "auth/jwt.py", "web/app.ts", "docs/index.md", "db.py"])
requests = st.builds(
    RoutingRequest,
    task_description=st.lists(words, max_size=40).map(" ".join),
    task_type=st.sampled_from(["implementation", "review", "design", "testing"]),
    context=st.builds(
        RoutingContext,
        now=st.just(NOW),
        deadline=st.none() | st.integers(-48, 24 * 14).map(lambda h: NOW + timedelta(hours=h)),
        team_experience=st.sampled_from([None, "low", "medium", "high"]),
        budget_remaining=st.none() | st.decimals(0, 5, places=2),
    ),
    files_to_modify=st.lists(paths, max_size=6).map(tuple),
    complexity_indicators=st.builds(
        ComplexityIndicators,
        file_count=st.none() | st.integers(0, 40),
        service_count=st.none() | st.integers(0, 6),
        security_sensitive=st.sampled_from([None, False, True]),
        business_critical=st.sampled_from([None, False, True]),
    ),
    preferences=st.builds(
        RoutingPreferences, cost_sensitive=st.booleans(), quality_critical=st.booleans()
    ),
)
unit = st.floats(0, 1, allow_nan=False)
policies = st.builds(
    RoutingPolicy,
    catalog=st.just(DEFAULT_CATALOG),
    default_model=st.just(GLM),
    escalation_model=st.just(OPUS),
    fallback_model=st.just(GLM),
    rules=st.builds(EscalationRules, unit, unit, unit),
)
statuses = st.sampled_from(["available", "disabled", "unavailable"])


def test_the_spec_example_escalates_to_opus_with_glm_as_fallback() -> None:
    decision = select_model(msgspec.json.decode(SPEC_BODY, type=RoutingRequest), POLICY)
    assert (decision.selected_model, decision.fallback_model, decision.premium) == (OPUS, GLM, True)
    assert decision.reasoning.security_sensitive
    assert decision.reasoning.business_impact == "high"
    assert decision.reasoning.cost_benefit_ratio == "favorable"
    assert decision.confidence_score >= 0.85


def test_a_typo_fix_stays_on_the_default_model_without_a_costlier_fallback() -> None:
    decision = select_model(request(), POLICY)
    assert (decision.selected_model, decision.premium, decision.fallback_model) == (
        GLM,
        False,
        None,
    )
    assert decision.reasoning.security_sensitive is False
    assert decision.reasoning.business_impact == "low"
    assert "glm-4.5 selected" in decision.reasoning.summary


def test_one_security_keyword_alone_does_not_escalate() -> None:
    assert not select_model(request("Show the login page title in bold"), POLICY).premium


def test_three_security_keywords_reach_a_threshold_of_exactly_point_nine() -> None:
    strict = msgspec.structs.replace(POLICY, rules=EscalationRules(0.9, 1.0, 1.0))
    decision = select_model(request("Rotate the JWT secret used for SAML"), strict)
    assert decision.premium
    assert decision.reasoning.security_sensitive


def test_security_keywords_count_in_file_paths_too() -> None:
    files = ("auth/oauth.py", "payments/billing.py", "security/saml.py")
    assert select_model(request("Rename a helper", files_to_modify=files), POLICY).premium


def test_an_author_field_is_not_mistaken_for_authentication() -> None:
    assert assess(request("Show the author of each post"))["security"] == 0


def test_a_business_critical_task_due_tomorrow_escalates_but_not_one_due_next_month() -> None:
    critical = ComplexityIndicators(business_critical=True)
    soon = request(
        complexity_indicators=critical, context=RoutingContext(NOW, NOW + timedelta(hours=20))
    )
    later = request(
        complexity_indicators=critical, context=RoutingContext(NOW, NOW + timedelta(days=30))
    )
    assert select_model(soon, POLICY).reasoning.business_impact == "high"
    assert select_model(soon, POLICY).premium
    assert not select_model(later, POLICY).premium


def test_a_wide_design_across_services_escalates_on_complexity() -> None:
    wide = request(
        "Design the event schema",
        task_type="design",
        complexity_indicators=ComplexityIndicators(file_count=12, service_count=4),
    )
    decision = select_model(wide, POLICY)
    assert decision.premium
    assert decision.reasoning.complexity_score >= 0.7


def test_quality_critical_escalates_a_task_just_below_the_complexity_threshold() -> None:
    borderline = request(
        complexity_indicators=ComplexityIndicators(file_count=8, service_count=2),
        files_to_modify=(),
    )
    assert 0.6 <= assess(borderline)["complexity"] < 0.7
    assert not select_model(borderline, POLICY).premium
    picky = msgspec.structs.replace(
        borderline, preferences=RoutingPreferences(quality_critical=True)
    )
    assert select_model(picky, POLICY).premium


def test_cost_sensitivity_never_waives_the_security_threshold() -> None:
    flagged = ComplexityIndicators(security_sensitive=True)
    thrifty = request(
        complexity_indicators=flagged, preferences=RoutingPreferences(cost_sensitive=True)
    )
    assert select_model(thrifty, POLICY).premium


def test_a_budget_below_the_premium_estimate_keeps_the_task_on_the_default_model() -> None:
    risky = request(complexity_indicators=ComplexityIndicators(security_sensitive=True))
    poor = with_budget(opus_estimate(risky) - Decimal("0.01"), risky)
    decision = select_model(poor, POLICY)
    assert (decision.selected_model, decision.premium) == (GLM, False)
    assert decision.reasoning.cost_benefit_ratio == "unfavorable"
    assert "budget" in decision.reasoning.summary
    assert select_model(with_budget(opus_estimate(risky), risky), POLICY).premium


def test_the_budget_ceiling_outranks_monotonicity_when_a_bigger_task_no_longer_fits() -> None:
    small = request(complexity_indicators=ComplexityIndicators(security_sensitive=True))
    big = msgspec.structs.replace(small, files_to_modify=("a.py", "b.py", "c.py", "d.py"))
    budget = opus_estimate(small)
    assert opus_estimate(big) > budget
    assert select_model(with_budget(budget, small), POLICY).premium
    assert not select_model(with_budget(budget, big), POLICY).premium


def test_a_disabled_premium_model_sends_escalations_to_the_default_model() -> None:
    policy = msgspec.structs.replace(POLICY, catalog=DEFAULT_CATALOG.with_status(OPUS, "disabled"))
    flagged = request(complexity_indicators=ComplexityIndicators(security_sensitive=True))
    decision = select_model(flagged, policy)
    assert decision.selected_model == GLM
    assert "claude-4.1-opus is not available" in decision.reasoning.summary


def test_an_unavailable_default_model_sends_routine_work_to_the_premium_model() -> None:
    policy = msgspec.structs.replace(
        POLICY, catalog=DEFAULT_CATALOG.with_status(GLM, "unavailable")
    )
    decision = select_model(request(), policy)
    assert (decision.selected_model, decision.premium, decision.fallback_model) == (
        OPUS,
        True,
        None,
    )


def test_with_no_usable_model_routing_refuses_with_model_unavailable() -> None:
    catalog = DEFAULT_CATALOG.with_status(GLM, "disabled").with_status(OPUS, "unavailable")
    with pytest.raises(ModelUnavailable) as caught:
        select_model(request(), msgspec.structs.replace(POLICY, catalog=catalog))
    assert (caught.value.code, caught.value.status) == ("MODEL_UNAVAILABLE", 503)


def test_a_pinned_model_outside_the_catalog_is_not_found_in_preferences() -> None:
    pinned = request(preferences=RoutingPreferences(model="gpt-5"))
    with pytest.raises(ModelNotFound) as caught:
        select_model(pinned, POLICY)
    assert (caught.value.code, caught.value.field) == ("NOT_FOUND", "preferences.model")


def test_a_pinned_disabled_model_is_refused_rather_than_silently_swapped() -> None:
    policy = msgspec.structs.replace(POLICY, catalog=DEFAULT_CATALOG.with_status(OPUS, "disabled"))
    with pytest.raises(ModelUnavailable) as caught:
        select_model(request(preferences=RoutingPreferences(model=OPUS)), policy)
    assert caught.value.field == "preferences.model"


def test_a_pinned_premium_model_over_budget_is_refused_naming_the_budget() -> None:
    pinned = request(preferences=RoutingPreferences(model=OPUS))
    with pytest.raises(BudgetExceeded) as caught:
        select_model(with_budget(Decimal("0.000001"), pinned), POLICY)
    assert (caught.value.code, caught.value.field) == (
        "VALIDATION_ERROR",
        "context.budget_remaining",
    )


def test_a_premium_decision_takes_longer_than_the_same_task_on_the_default_model() -> None:
    flagged = request(complexity_indicators=ComplexityIndicators(security_sensitive=True))
    assert (
        select_model(flagged, POLICY).estimated_duration
        > select_model(request(), POLICY).estimated_duration
    )


def test_a_deadline_without_a_timezone_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidRoutingRequest) as caught:
        RoutingContext(now=NOW, deadline=datetime(2024, 1, 20))
    assert caught.value.field == "context.deadline"


@pytest.mark.parametrize("value", [-0.01, 1.01, float("nan")])
def test_escalation_thresholds_outside_zero_to_one_are_refused(value: float) -> None:
    with pytest.raises(InvalidConfiguration) as caught:
        EscalationRules(complexity_threshold=value)
    assert caught.value.field == "escalation_rules.complexity_threshold"


def test_a_policy_naming_a_model_outside_its_catalog_is_refused() -> None:
    with pytest.raises(ModelNotFound) as caught:
        RoutingPolicy(DEFAULT_CATALOG, GLM, "gpt-5", GLM)
    assert caught.value.field == "escalation_model"


@st.composite
def riskier_pairs(draw: st.DrawFn) -> tuple[RoutingRequest, RoutingRequest]:
    """A request and a copy with more files, more services or a security flag added."""
    routing = draw(requests)
    indicators = routing.complexity_indicators
    riskier = msgspec.structs.replace(
        routing,
        files_to_modify=routing.files_to_modify + tuple(draw(st.lists(paths, max_size=4))),
        complexity_indicators=msgspec.structs.replace(
            indicators,
            file_count=(indicators.file_count or 0) + draw(st.integers(0, 10)),
            service_count=(indicators.service_count or 0) + draw(st.integers(0, 3)),
            security_sensitive=indicators.security_sensitive or draw(st.booleans()),
        ),
    )
    return routing, riskier


@given(pair=riskier_pairs())
def test_raising_security_or_complexity_inputs_never_lowers_a_score(
    pair: tuple[RoutingRequest, RoutingRequest],
) -> None:
    before, after = assess(pair[0]), assess(pair[1])
    assert all(after[name] >= before[name] for name in before)


@given(pair=riskier_pairs(), policy=policies)
def test_raising_complexity_never_moves_a_premium_decision_to_default(
    pair: tuple[RoutingRequest, RoutingRequest], policy: RoutingPolicy
) -> None:
    routing, riskier = pair
    budget = routing.context.budget_remaining
    assume(select_model(routing, policy).premium)
    if budget is None or budget >= opus_estimate(riskier):
        assert select_model(riskier, policy).premium


@given(pair=riskier_pairs(), dimension=st.sampled_from(["security", "complexity"]))
def test_a_task_escalated_exactly_at_a_threshold_stays_escalated_as_it_grows(
    pair: tuple[RoutingRequest, RoutingRequest], dimension: str
) -> None:
    routing, riskier = (
        with_budget(None, msgspec.structs.replace(r, preferences=RoutingPreferences()))
        for r in pair
    )
    thresholds = {"security": 1.0, "complexity": 1.0, "business": 1.0}
    thresholds[dimension] = assess(routing)[dimension]
    rules = EscalationRules(*thresholds.values())
    policy = msgspec.structs.replace(POLICY, rules=rules)
    assert select_model(routing, policy).premium
    assert select_model(riskier, policy).premium


@given(routing=requests, policy=policies)
def test_the_estimated_cost_is_the_selected_models_price_for_the_estimated_tokens(
    routing: RoutingRequest, policy: RoutingPolicy
) -> None:
    decision = select_model(routing, policy)
    usage = Usage(decision.estimated_input_tokens, decision.estimated_output_tokens)
    assert usage == estimate_usage(routing)
    assert decision.estimated_cost == price(
        usage, DEFAULT_CATALOG.get(decision.selected_model).pricing
    )


@given(routing=requests, policy=policies, glm=statuses, opus=statuses)
def test_a_model_that_is_not_available_is_never_selected(
    routing: RoutingRequest, policy: RoutingPolicy, glm: str, opus: str
) -> None:
    catalog = Catalog(
        tuple(
            msgspec.structs.replace(model, status={GLM: glm, OPUS: opus}[model.name])
            for model in DEFAULT_CATALOG.models
        )
    )
    policy = msgspec.structs.replace(policy, catalog=catalog)
    try:
        decision = select_model(routing, policy)
    except ModelUnavailable:
        assert glm != "available"  # only the budget-gated premium model could have been left
        return
    assert catalog.is_usable(decision.selected_model)
    assert decision.fallback_model is None or catalog.is_usable(decision.fallback_model)


@given(routing=requests, policy=policies, model=st.sampled_from([GLM, OPUS]))
def test_a_usable_pinned_model_is_always_honoured(
    routing: RoutingRequest, policy: RoutingPolicy, model: str
) -> None:
    pinned = with_budget(
        None, msgspec.structs.replace(routing, preferences=RoutingPreferences(model=model))
    )
    assert select_model(pinned, policy).selected_model == model


@given(routing=requests, policy=policies)
def test_scores_and_confidence_stay_within_bounds_at_two_decimals(
    routing: RoutingRequest, policy: RoutingPolicy
) -> None:
    decision = select_model(routing, policy)
    for value in (decision.confidence_score, decision.reasoning.complexity_score):
        assert 0 <= value <= 1
        assert round(value, 2) == value
    assert decision.estimated_cost.as_tuple().exponent == -6
    assert decision.premium == (decision.selected_model == OPUS)


@given(routing=requests, policy=policies)
def test_the_same_request_always_yields_the_same_decision(
    routing: RoutingRequest, policy: RoutingPolicy
) -> None:
    copy = msgspec.json.decode(msgspec.json.encode(routing), type=RoutingRequest)
    assert select_model(copy, policy) == select_model(routing, policy)
