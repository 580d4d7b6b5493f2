"""Model routing: a pure, deterministic choice between the default and the premium model.

Three scores in [0, 1] are compared with the EscalationRules thresholds:
- security: 1.0 when the caller flags the task, else 0.3 per distinct security keyword (auth,
  oauth, saml, jwt, crypto, payment, ...) in the description or file paths, at most 0.9;
- complexity: 0.30·files/8 + 0.30·(services-1)/2 + 0.25·task type (design 1, implementation 0.6,
  review 0.4, testing 0.3) + 0.15·words/120, each term capped, +0.1 for a low-experience team;
- business impact: 0.5 if business-critical, plus 0.5 past or within 24h of the deadline,
  0.3 within 72h, 0.1 within a week.
Premium is wanted when any score reaches its threshold; quality_critical lowers every threshold
by 0.1, cost_sensitive raises the complexity and business ones by 0.1 (never security's). Premium
is then refused when budget_remaining is below its estimate, and models that are not "available"
are skipped. Scores only grow with their inputs, so more risk never turns premium into default
unless the bigger task's premium estimate no longer fits the budget.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from kyros.domain.model_catalog import Catalog, Usage, price
from kyros.domain.routing_errors import (
    BudgetExceeded,
    InvalidConfiguration,
    InvalidRoutingRequest,
    ModelNotFound,
    ModelUnavailable,
)
from kyros.domain.vocabulary import TaskType

Level = Literal["low", "medium", "high"]
CostBenefit = Literal["favorable", "neutral", "unfavorable"]

_SECURITY = re.compile(
    r"(?<![a-z])(oauth|auth(?!or)|saml|jwt|crypt|encrypt|password|secret|credential|token|"
    r"payment|billing|security|secure|permission|rbac|session|login|ssl|tls|csrf|xss|pii)"
)
_TYPE_WEIGHT = {"implementation": 0.6, "review": 0.4, "design": 1.0, "testing": 0.3}
_BASE_CONTEXT = {"implementation": 2000, "review": 3000, "design": 2500, "testing": 1500}
_BASE_OUTPUT = {"implementation": 800, "review": 600, "design": 1500, "testing": 1000}
_OUTPUT_PER_FILE = {"implementation": 600, "review": 200, "design": 300, "testing": 500}
_BASE_SECONDS = {"implementation": 300, "review": 180, "design": 420, "testing": 240}


class ComplexityIndicators(msgspec.Struct, frozen=True):
    """Caller-supplied hints; counts below what `files_to_modify` shows are ignored."""

    file_count: Annotated[int, msgspec.Meta(ge=0)] | None = None
    service_count: Annotated[int, msgspec.Meta(ge=0)] | None = None
    security_sensitive: bool | None = None
    business_critical: bool | None = None


class RoutingContext(msgspec.Struct, frozen=True):
    """`now` comes from the caller so the same request always yields the same decision."""

    now: datetime
    deadline: datetime | None = None
    team_experience: Level | None = None
    budget_remaining: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("now", "deadline"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise InvalidRoutingRequest("Must include a timezone", field=f"context.{name}")


class RoutingPreferences(msgspec.Struct, frozen=True):
    cost_sensitive: bool = False
    quality_critical: bool = False
    model: str | None = None


class RoutingRequest(msgspec.Struct, frozen=True):
    task_description: str
    task_type: TaskType
    context: RoutingContext
    files_to_modify: tuple[str, ...] = ()
    complexity_indicators: ComplexityIndicators = ComplexityIndicators()
    preferences: RoutingPreferences = RoutingPreferences()


class EscalationRules(msgspec.Struct, frozen=True):
    """Score at or above which the premium model is wanted; 0 always escalates, 1 rarely."""

    security_threshold: float = 0.8
    complexity_threshold: float = 0.7
    business_impact_threshold: float = 0.6

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InvalidConfiguration(
                    "Must be between 0 and 1", field=f"escalation_rules.{name}"
                )


class RoutingPolicy(msgspec.Struct, frozen=True):
    catalog: Catalog
    default_model: str
    escalation_model: str
    fallback_model: str
    rules: EscalationRules = EscalationRules()

    def __post_init__(self) -> None:
        for name in ("default_model", "escalation_model", "fallback_model"):
            if getattr(self, name) not in self.catalog.names():
                raise ModelNotFound(getattr(self, name), field=name)


class RoutingReasoning(msgspec.Struct, frozen=True):
    security_sensitive: bool
    complexity_score: float
    business_impact: Level
    cost_benefit_ratio: CostBenefit
    summary: str


class RoutingDecision(msgspec.Struct, frozen=True):
    """`estimated_cost` is in USD and `estimated_duration` in seconds."""

    selected_model: str
    confidence_score: float
    reasoning: RoutingReasoning
    estimated_cost: Decimal
    estimated_duration: int
    fallback_model: str | None
    estimated_input_tokens: int
    estimated_output_tokens: int
    premium: bool


def _files(request: RoutingRequest) -> int:
    return max(request.complexity_indicators.file_count or 0, len(request.files_to_modify))


def _services(request: RoutingRequest) -> int:
    return max(request.complexity_indicators.service_count or 1, 1)


def assess(request: RoutingRequest) -> dict[str, float]:
    """Security, complexity and business scores in [0, 1], each non-decreasing in its inputs."""
    text = " ".join((request.task_description, *request.files_to_modify)).lower()
    keywords = {match.group(1) for match in _SECURITY.finditer(text)}
    flagged = bool(request.complexity_indicators.security_sensitive)
    security = 1.0 if flagged else min(0.9, 0.3 * len(keywords))
    experience = {"low": 0.1, "high": -0.05}.get(request.context.team_experience or "", 0.0)
    complexity = (
        0.30 * min(1.0, _files(request) / 8)
        + 0.30 * min(1.0, (_services(request) - 1) / 2)
        + 0.25 * _TYPE_WEIGHT[request.task_type]
        + 0.15 * min(1.0, len(request.task_description.split()) / 120)
        + experience
    )
    business = 0.5 if request.complexity_indicators.business_critical else 0.0
    if request.context.deadline is not None:
        left = request.context.deadline - request.context.now
        for within, weight in ((timedelta(hours=24), 0.5), (timedelta(hours=72), 0.3)):
            if left <= within:
                business += weight
                break
        else:
            business += 0.1 if left <= timedelta(days=7) else 0.0
    # Rounding is monotone and keeps 0.3 * 3 from falling just short of a 0.9 threshold.
    return {
        "security": round(security, 6),
        "complexity": round(min(1.0, max(0.0, complexity)), 6),
        "business": round(business, 6),
    }


def estimate_usage(request: RoutingRequest) -> Usage:
    """Whole-task tokens: the context is re-read on every agent turn, one turn per file plus 3."""
    files, kind = _files(request), request.task_type
    context = (
        _BASE_CONTEXT[kind]
        + 1500 * files
        + 500 * (_services(request) - 1)
        + len(request.task_description) // 4
    )
    turns = 3 + min(files, 27)
    return Usage(context * turns, _BASE_OUTPUT[kind] + _OUTPUT_PER_FILE[kind] * files)


def _thresholds(rules: EscalationRules, preferences: RoutingPreferences) -> dict[str, float]:
    quality = -0.1 if preferences.quality_critical else 0.0
    cost = 0.1 if preferences.cost_sensitive else 0.0
    raw = {
        "security": rules.security_threshold + quality,
        "complexity": rules.complexity_threshold + quality + cost,
        "business": rules.business_impact_threshold + quality + cost,
    }
    return {name: round(min(1.0, max(0.0, value)), 6) for name, value in raw.items()}


def _is_premium(name: str, policy: RoutingPolicy) -> bool:
    return name == policy.escalation_model != policy.default_model


def _over_budget(name: str, policy: RoutingPolicy, usage: Usage, budget: Decimal | None) -> bool:
    if budget is None or not _is_premium(name, policy):
        return False
    return budget < price(usage, policy.catalog.get(name).pricing)


def _choose(
    request: RoutingRequest, policy: RoutingPolicy, usage: Usage, wants_premium: bool
) -> tuple[str, list[str]]:
    budget = request.context.budget_remaining
    pinned = request.preferences.model
    if pinned is not None:
        if pinned not in policy.catalog.names():
            raise ModelNotFound(pinned, field="preferences.model")
        if not policy.catalog.is_usable(pinned):
            raise ModelUnavailable(f"Model {pinned!r} is not available", field="preferences.model")
        if _over_budget(pinned, policy, usage, budget):
            raise BudgetExceeded(f"Estimated cost of {pinned} exceeds the remaining budget")
        return pinned, [f"{pinned} requested in preferences"]
    notes: list[str] = []
    order = (policy.escalation_model, policy.default_model)
    for name in order if wants_premium else order[::-1]:
        if not policy.catalog.is_usable(name):
            notes.append(f"{name} is not available")
        elif _over_budget(name, policy, usage, budget):
            notes.append(f"{name} estimate exceeds the remaining budget")
        else:
            return name, notes
    raise ModelUnavailable("No model can take this task: " + "; ".join(notes))


def _duration(request: RoutingRequest, premium: bool) -> int:
    """Seconds; premium models are slower per token, hence half as long again."""
    base = _BASE_SECONDS[request.task_type] + 90 * _files(request)
    return (base + 120 * (_services(request) - 1)) * (3 if premium else 2) // 2


def _summary(selected: str, scores: dict[str, float], limits: dict[str, float]) -> str:
    labels = {"security": "security", "complexity": "complexity", "business": "business impact"}
    return f"{selected} selected: " + ", ".join(
        f"{label} {scores[name]:.2f} {'>=' if scores[name] >= limits[name] else '<'} "
        f"{limits[name]:.2f}"
        for name, label in labels.items()
    )


def select_model(request: RoutingRequest, policy: RoutingPolicy) -> RoutingDecision:
    """Choose a model; raises ModelNotFound, ModelUnavailable or BudgetExceeded."""
    scores, limits = assess(request), _thresholds(policy.rules, request.preferences)
    closest = max(scores[name] - limits[name] for name in scores)
    usage = estimate_usage(request)
    selected, notes = _choose(request, policy, usage, wants_premium=closest >= 0)
    premium = _is_premium(selected, policy)
    certainty, matched = min(1.0, abs(closest) / 0.3), premium == (closest >= 0)
    business = scores["business"]
    fallback = policy.fallback_model
    return RoutingDecision(
        selected_model=selected,
        confidence_score=round(0.6 + 0.4 * certainty if matched else 0.5 - 0.3 * certainty, 2),
        reasoning=RoutingReasoning(
            security_sensitive=scores["security"] >= limits["security"],
            complexity_score=round(scores["complexity"], 2),
            business_impact="high" if business >= 0.6 else "medium" if business >= 0.3 else "low",
            cost_benefit_ratio=(
                "unfavorable" if not matched else "neutral" if certainty < 1 / 3 else "favorable"
            ),
            summary="; ".join([_summary(selected, scores, limits), *notes]),
        ),
        estimated_cost=price(usage, policy.catalog.get(selected).pricing),
        estimated_duration=_duration(request, premium),
        fallback_model=(
            fallback if fallback != selected and policy.catalog.is_usable(fallback) else None
        ),
        estimated_input_tokens=usage.input_tokens,
        estimated_output_tokens=usage.output_tokens,
        premium=premium,
    )
