"""The model catalog as immutable value types, and the one place where tokens become dollars."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

import msgspec

from kyros.domain.routing_errors import InvalidConfiguration, ModelNotFound

ModelStatus = Literal["available", "disabled", "unavailable"]
ProviderKind = Literal["openai", "anthropic", "simulated"]

MICRO_DOLLAR = Decimal("0.000001")


class Limits(msgspec.Struct, frozen=True):
    """Provider limits: `max_tokens` per response, the other two per minute per API key."""

    max_tokens: int
    requests_per_minute: int
    tokens_per_minute: int


class Pricing(msgspec.Struct, frozen=True):
    """Prices in `currency` per 1,000 tokens; cached input is what a prompt-cache hit costs."""

    input_per_1k: Decimal
    output_per_1k: Decimal
    cached_input_per_1k: Decimal
    currency: Literal["USD"] = "USD"


class Connection(msgspec.Struct, frozen=True):
    """How to reach the provider; the key is named by environment variable, never stored."""

    kind: ProviderKind
    base_url: str | None = None
    api_key_env: str | None = None


class ModelSpec(msgspec.Struct, frozen=True):
    name: str
    provider: str
    status: ModelStatus
    recommended_usage: str
    capabilities: tuple[str, ...]
    limits: Limits
    pricing: Pricing
    connection: Connection


class Usage(msgspec.Struct, frozen=True):
    """Tokens of one call or task; `cached_input_tokens` is the part of input served from cache."""

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0

    def __post_init__(self) -> None:
        if min(self.input_tokens, self.output_tokens, self.cached_input_tokens) < 0:
            raise ValueError("token counts must not be negative")
        if self.cached_input_tokens > self.input_tokens:
            raise ValueError("cached_input_tokens is a subset of input_tokens and cannot exceed it")


def price(usage: Usage, pricing: Pricing) -> Decimal:
    """Cost of `usage`, to the micro-dollar (half up), so re-pricing a log is reproducible."""
    fresh_input = usage.input_tokens - usage.cached_input_tokens
    with localcontext() as ctx:
        ctx.prec = 60  # exact for any realistic token count; rounding happens once, below
        per_thousand = (
            fresh_input * pricing.input_per_1k
            + usage.cached_input_tokens * pricing.cached_input_per_1k
            + usage.output_tokens * pricing.output_per_1k
        )
        return per_thousand.scaleb(-3).quantize(MICRO_DOLLAR, rounding=ROUND_HALF_UP)


class Catalog(msgspec.Struct, frozen=True):
    """The models Kyros may route to, in preference order; lookups are by exact name."""

    models: tuple[ModelSpec, ...]

    def __post_init__(self) -> None:
        names = [model.name for model in self.models]
        if len(names) != len(set(names)):
            raise InvalidConfiguration("model names must be unique", field="models")

    def get(self, name: str) -> ModelSpec:
        for model in self.models:
            if model.name == name:
                return model
        raise ModelNotFound(name)

    def names(self) -> tuple[str, ...]:
        return tuple(model.name for model in self.models)

    def is_usable(self, name: str) -> bool:
        """False for unknown names too, so callers can probe without catching."""
        return any(model.name == name and model.status == "available" for model in self.models)

    def with_status(self, name: str, status: ModelStatus) -> Catalog:
        """A new catalog with one model's status changed (operators disable models at runtime)."""
        target = self.get(name)
        return Catalog(
            tuple(
                msgspec.structs.replace(model, status=status)
                if model.name == target.name
                else model
                for model in self.models
            )
        )


GLM_45 = ModelSpec(
    name="glm-4.5",
    provider="GLM",
    status="available",
    recommended_usage="general_purpose",
    capabilities=("code_generation", "documentation", "testing", "bug_fixes"),
    limits=Limits(max_tokens=8192, requests_per_minute=60, tokens_per_minute=120000),
    pricing=Pricing(
        input_per_1k=Decimal("0.001"),
        output_per_1k=Decimal("0.002"),
        cached_input_per_1k=Decimal("0.0001"),
    ),
    connection=Connection(
        kind="openai",
        base_url="https://open.bigmodel.cn/api/paas/v4",
        api_key_env="GLM_API_KEY",
    ),
)

CLAUDE_41_OPUS = ModelSpec(
    name="claude-4.1-opus",
    provider="Anthropic",
    status="available",
    recommended_usage="complex_tasks",
    capabilities=(
        "code_generation",
        "documentation",
        "testing",
        "bug_fixes",
        "architecture_design",
        "security_review",
        "complex_reasoning",
    ),
    limits=Limits(max_tokens=32000, requests_per_minute=50, tokens_per_minute=80000),
    pricing=Pricing(
        input_per_1k=Decimal("0.015"),
        output_per_1k=Decimal("0.075"),
        cached_input_per_1k=Decimal("0.0015"),
    ),
    connection=Connection(
        kind="anthropic",
        base_url="https://api.anthropic.com",
        api_key_env="ANTHROPIC_API_KEY",
    ),
)

DEFAULT_MODEL = GLM_45.name
ESCALATION_MODEL = CLAUDE_41_OPUS.name
FALLBACK_MODEL = GLM_45.name
DEFAULT_CATALOG = Catalog((GLM_45, CLAUDE_41_OPUS))
