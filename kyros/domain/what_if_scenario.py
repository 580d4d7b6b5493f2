"""A what-if scenario: the prices, routing and escalation rules to replay recorded work under."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from kyros.domain.agent_roles import AgentRoleConfig
from kyros.domain.errors import DomainError
from kyros.domain.model_catalog import Catalog, Pricing
from kyros.domain.routing import EscalationRules, RoutingPolicy
from kyros.domain.routing_policies import role_policy

MAX_SCENARIOS = 10
MAX_MODELS = 20  # price overrides or token ratios per scenario
ModelName = Annotated[str, Meta(min_length=1, max_length=100)]
Threshold = Annotated[float, Meta(ge=0, le=1)]
# Decimal takes no bounds in msgspec: check_scenarios holds these, naming the field
PRICE_MAX, RATIO_MAX, COST_THRESHOLD_MAX = Decimal(1000), Decimal(100), Decimal(1_000_000)


class PriceOverride(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """USD per 1,000 tokens; an omitted price keeps the catalogue's."""

    input_per_1k: Decimal | None = None
    output_per_1k: Decimal | None = None
    cached_input_per_1k: Decimal | None = None


class RoutingOverride(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`default_model` replaces every role's default model; thresholds replace every role's."""

    default_model: ModelName | None = None
    escalation_model: ModelName | None = None
    security_threshold: Threshold | None = None
    complexity_threshold: Threshold | None = None
    business_impact_threshold: Threshold | None = None


class EscalationOverride(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    approval_required: bool | None = None
    auto_approve_threshold: Threshold | None = None
    cost_threshold: Decimal | None = None
    max_daily_escalations: Annotated[int, Meta(ge=0, le=100_000)] | None = None


class Scenario(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`token_ratio[m]` scales the recorded tokens of work that moves onto model `m`."""

    name: Annotated[str, Meta(min_length=1, max_length=100)]
    prices: Annotated[dict[ModelName, PriceOverride], Meta(max_length=MAX_MODELS)] = {}
    routing: RoutingOverride = RoutingOverride()
    escalation: EscalationOverride = EscalationOverride()
    token_ratio: Annotated[dict[ModelName, Decimal], Meta(max_length=MAX_MODELS)] = {}


class Live(msgspec.Struct, frozen=True):
    """The configuration in force: catalogue, system models, roles, escalation settings."""

    catalog: Catalog
    models: dict[str, Any]
    roles: dict[str, AgentRoleConfig]
    escalation: dict[str, Any]


LIVE = Scenario(name="live")  # the configuration as it is: replays the actual figures


def check_scenarios(scenarios: tuple[Scenario, ...], catalog: Catalog) -> None:
    """Bounded, uniquely named, and naming only models the catalogue holds."""
    if not 1 <= len(scenarios) <= MAX_SCENARIOS:
        raise DomainError(f"Give 1 to {MAX_SCENARIOS} scenarios", field="scenarios")
    names = catalog.names()
    seen: set[str] = set()
    for index, scenario in enumerate(scenarios):
        at = f"scenarios[{index}]"
        if scenario.name in seen:
            raise DomainError("Scenario names must be unique", field=f"{at}.name")
        seen.add(scenario.name)
        models = [
            *((f"prices.{m}", m) for m in scenario.prices),
            *((f"token_ratio.{m}", m) for m in scenario.token_ratio),
            ("routing.default_model", scenario.routing.default_model),
            ("routing.escalation_model", scenario.routing.escalation_model),
        ]
        for where, model in models:
            if model is not None and model not in names:
                raise DomainError(f"Model {model!r} is not in the catalog", field=f"{at}.{where}")
        _check_amounts(scenario, at)


def _check_amounts(scenario: Scenario, at: str) -> None:
    amounts = [
        *(
            (f"prices.{model}.{name}", getattr(override, name), False, PRICE_MAX)
            for model, override in scenario.prices.items()
            for name in PriceOverride.__struct_fields__
        ),
        *((f"token_ratio.{m}", r, True, RATIO_MAX) for m, r in scenario.token_ratio.items()),
        (
            "escalation.cost_threshold",
            scenario.escalation.cost_threshold,
            False,
            COST_THRESHOLD_MAX,
        ),
    ]
    for where, value, positive, top in amounts:
        if value is None:
            continue
        low = "above 0" if positive else "at least 0"
        if not value.is_finite() or value > top or value < 0 or (positive and value == 0):
            raise DomainError(f"Must be a number {low} and at most {top}", field=f"{at}.{where}")


def pricing(scenario: Scenario, catalog: Catalog, model: str) -> Pricing | None:
    """The scenario's prices of `model`, or None when it keeps the recorded ones."""
    override = scenario.prices.get(model)
    if override is None:
        return None
    base = catalog.get(model).pricing
    return Pricing(
        input_per_1k=_pick(override.input_per_1k, base.input_per_1k),
        output_per_1k=_pick(override.output_per_1k, base.output_per_1k),
        cached_input_per_1k=_pick(override.cached_input_per_1k, base.cached_input_per_1k),
    )


def _pick(value: Decimal | None, default: Decimal) -> Decimal:
    return default if value is None else value


def policy(live: Live, scenario: Scenario, role: AgentRoleConfig) -> RoutingPolicy:
    """The live system's own role policy (`role_policy`) over the scenario's models and rules."""
    routing = scenario.routing
    models = dict(live.models)
    if routing.escalation_model is not None:
        models["escalation_model"] = routing.escalation_model
    default = routing.default_model or role.default_model
    wanted = (routing.default_model, routing.escalation_model)  # the role may use what it names
    available = role.available_models + tuple(
        m for m in wanted if m is not None and m not in role.available_models
    )
    rules = role.escalation_rules
    changed = {
        name: value
        for name in EscalationRules.__struct_fields__
        if (value := getattr(routing, name)) is not None
    }
    if changed:
        rules = msgspec.structs.replace(rules, **changed)
    if routing.default_model is not None or routing.escalation_model is not None or changed:
        role = msgspec.structs.replace(
            role, default_model=default, available_models=available, escalation_rules=rules
        )
    return role_policy(live.catalog, models, role)


def escalation_rules(live: Live, scenario: Scenario) -> dict[str, Any]:
    """The escalation settings `decide_automatically` reads, with the scenario's overrides."""
    rules = dict(live.escalation)
    for name in EscalationOverride.__struct_fields__:
        value = getattr(scenario.escalation, name)
        if value is not None:
            rules[name] = value
    return rules
