"""The model catalog and pricing: spec values, lookups, and exact Decimal costs."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyros.domain.errors import DomainError
from kyros.domain.model_catalog import (
    DEFAULT_CATALOG,
    DEFAULT_MODEL,
    ESCALATION_MODEL,
    FALLBACK_MODEL,
    Catalog,
    ModelSpec,
    Pricing,
    Usage,
    price,
)
from kyros.domain.routing_errors import InvalidConfiguration, ModelNotFound

GLM = DEFAULT_CATALOG.get("glm-4.5")
OPUS = DEFAULT_CATALOG.get("claude-4.1-opus")


@st.composite
def usages(draw: st.DrawFn, most: int = 2_000_000) -> Usage:
    input_tokens = draw(st.integers(0, most))
    return Usage(
        input_tokens=input_tokens,
        output_tokens=draw(st.integers(0, most)),
        cached_input_tokens=draw(st.integers(0, input_tokens)),
    )


def test_the_default_catalog_lists_the_specs_two_models_default_first() -> None:
    assert DEFAULT_CATALOG.names() == ("glm-4.5", "claude-4.1-opus")
    assert (DEFAULT_MODEL, ESCALATION_MODEL, FALLBACK_MODEL) == (
        "glm-4.5",
        "claude-4.1-opus",
        "glm-4.5",
    )


def test_glm_matches_the_specs_model_information() -> None:
    assert (GLM.provider, GLM.status, GLM.recommended_usage) == (
        "GLM",
        "available",
        "general_purpose",
    )
    assert GLM.capabilities == ("code_generation", "documentation", "testing", "bug_fixes")
    assert msgspec.to_builtins(GLM.limits) == {
        "max_tokens": 8192,
        "requests_per_minute": 60,
        "tokens_per_minute": 120000,
    }
    assert GLM.pricing.input_per_1k == Decimal("0.001")
    assert GLM.pricing.output_per_1k == Decimal("0.002")
    assert GLM.pricing.currency == "USD"


def test_opus_is_the_anthropic_model_for_complex_tasks() -> None:
    assert (OPUS.provider, OPUS.recommended_usage) == ("Anthropic", "complex_tasks")
    assert OPUS.connection.kind == "anthropic"


def test_the_premium_model_costs_at_least_ten_times_the_default_per_token() -> None:
    for rate in ("input_per_1k", "output_per_1k", "cached_input_per_1k"):
        assert getattr(OPUS.pricing, rate) >= 10 * getattr(GLM.pricing, rate)


def test_every_price_in_the_catalog_is_a_decimal_never_a_float() -> None:
    for model in DEFAULT_CATALOG.models:
        rates = msgspec.structs.asdict(model.pricing)
        assert all(isinstance(rates[name], Decimal) for name in rates if name != "currency")


def test_connections_name_an_environment_variable_instead_of_holding_a_key() -> None:
    for model in DEFAULT_CATALOG.models:
        assert model.connection.api_key_env
        assert model.connection.api_key_env.isupper()


def test_a_model_spec_survives_a_json_round_trip_with_exact_prices() -> None:
    encoded = msgspec.json.encode(OPUS)
    assert b'"0.075"' in encoded
    assert msgspec.json.decode(encoded, type=ModelSpec) == OPUS


def test_looking_up_an_unknown_model_raises_not_found_naming_it() -> None:
    with pytest.raises(ModelNotFound) as caught:
        DEFAULT_CATALOG.get("gpt-5")
    assert isinstance(caught.value, DomainError)
    assert (caught.value.code, caught.value.status) == ("NOT_FOUND", 404)
    assert caught.value.name == "gpt-5"
    assert "gpt-5" in caught.value.issue


def test_only_known_available_models_are_usable() -> None:
    assert DEFAULT_CATALOG.is_usable("glm-4.5")
    assert not DEFAULT_CATALOG.is_usable("gpt-5")
    assert not DEFAULT_CATALOG.with_status("glm-4.5", "disabled").is_usable("glm-4.5")
    assert not DEFAULT_CATALOG.with_status("glm-4.5", "unavailable").is_usable("glm-4.5")


def test_changing_a_status_leaves_the_original_catalog_untouched() -> None:
    changed = DEFAULT_CATALOG.with_status("claude-4.1-opus", "disabled")
    assert changed.get("claude-4.1-opus").status == "disabled"
    assert changed.get("glm-4.5") == GLM
    assert DEFAULT_CATALOG.get("claude-4.1-opus").status == "available"


def test_a_catalog_refuses_two_models_with_one_name() -> None:
    with pytest.raises(InvalidConfiguration) as caught:
        Catalog((GLM, GLM))
    assert caught.value.field == "models"


def test_a_thousand_fresh_input_tokens_cost_the_input_rate() -> None:
    assert price(Usage(1000, 0), GLM.pricing) == Decimal("0.001000")


def test_cached_tokens_are_billed_at_the_cached_rate_instead_of_the_input_rate() -> None:
    usage = Usage(input_tokens=1000, output_tokens=500, cached_input_tokens=400)
    # per 1K: 600 fresh at 0.001 + 400 cached at 0.0001 + 500 output at 0.002
    assert price(usage, GLM.pricing) == Decimal("0.001640")


def test_prices_round_half_up_to_the_micro_dollar() -> None:
    pricing = Pricing(Decimal("0.0005"), Decimal("0.0015"), Decimal("0"))
    assert price(Usage(1, 0), pricing) == Decimal("0.000001")  # 0.0000005 rounds up
    assert price(Usage(0, 1), pricing) == Decimal("0.000002")  # 0.0000015 rounds up
    assert price(Usage(1, 0), pricing).as_tuple().exponent == -6


def test_usage_refuses_more_cached_tokens_than_input_tokens() -> None:
    with pytest.raises(ValueError, match="cached_input_tokens"):
        Usage(input_tokens=10, output_tokens=0, cached_input_tokens=11)


def test_usage_refuses_negative_token_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        Usage(input_tokens=-1, output_tokens=0)


@given(usage=usages(), extra=st.integers(1, 10_000))
def test_more_output_tokens_never_cost_less(usage: Usage, extra: int) -> None:
    more = msgspec.structs.replace(usage, output_tokens=usage.output_tokens + extra)
    for model in DEFAULT_CATALOG.models:
        assert price(more, model.pricing) >= price(usage, model.pricing)


@given(usage=usages())
def test_a_cache_hit_never_costs_more_than_the_same_tokens_uncached(usage: Usage) -> None:
    uncached = msgspec.structs.replace(usage, cached_input_tokens=0)
    for model in DEFAULT_CATALOG.models:
        assert price(usage, model.pricing) <= price(uncached, model.pricing)


@given(first=usages(), second=usages())
def test_pricing_two_calls_apart_differs_from_pricing_them_together_by_rounding_only(
    first: Usage, second: Usage
) -> None:
    together = Usage(
        first.input_tokens + second.input_tokens,
        first.output_tokens + second.output_tokens,
        first.cached_input_tokens + second.cached_input_tokens,
    )
    for model in DEFAULT_CATALOG.models:
        apart = price(first, model.pricing) + price(second, model.pricing)
        assert abs(apart - price(together, model.pricing)) <= Decimal("0.000001")


@given(usage=usages(most=10**15))
def test_prices_are_exact_even_for_huge_token_counts(usage: Usage) -> None:
    cost = price(usage, OPUS.pricing)
    fresh = usage.input_tokens - usage.cached_input_tokens
    exact_micro = fresh * 15 + usage.cached_input_tokens * Decimal("1.5") + usage.output_tokens * 75
    assert cost == exact_micro.scaleb(-6).quantize(Decimal("0.000001"), rounding="ROUND_HALF_UP")
