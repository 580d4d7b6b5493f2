"""The Model Selection API: /v1/models, /v1/models/{model_name} and /v1/models/select."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post

from kyros.bootstrap import Kyros
from kyros.domain.errors import DomainError
from kyros.domain.model_catalog import ModelSpec
from kyros.domain.routing import RoutingContext, RoutingRequest
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.schemas.model_selection import SelectRequest
from kyros.queries.configuration import get_configuration
from kyros.queries.model_performance import model_performance
from kyros.queries.model_selection import select_for
from kyros.timefmt import now


class ModelController(Controller):
    path = "/models"
    opt = reads("configuration", "model_performance")
    tags = ["Models"]

    @get("/", operation_id="ListModels", guards=[requires("read_models")])
    async def list_models(self, request: Request[Any, Any, Any], kyros: Kyros) -> Response[bytes]:
        configured = (await in_thread(get_configuration, kyros.db))["models"]
        models = [
            {
                "name": m.name,
                "provider": m.provider,
                "status": m.status,
                "recommended_usage": m.recommended_usage,
            }
            for m in kyros.catalog.models
        ]
        return ok(
            request,
            {
                "models": models,
                "default_model": configured["default_model"],
                "escalation_model": configured["escalation_model"],
            },
        )

    @get("/{model_name:str}", operation_id="GetModel", guards=[requires("read_models")])
    async def get_model(
        self, request: Request[Any, Any, Any], model_name: str, kyros: Kyros
    ) -> Response[bytes]:
        """Performance is measured from finished work (null until something ran)."""
        model = kyros.catalog.get(model_name)
        performance = await in_thread(model_performance, kyros.db, model.name)
        return ok(request, model_view(model, performance))

    @post("/select", operation_id="SelectModel", status_code=200, guards=[requires("select_model")])
    async def select_model(
        self, request: Request[Any, Any, Any], data: SelectRequest, kyros: Kyros
    ) -> Response[bytes]:
        """The routing policy over the system configuration's models; nothing is recorded."""
        budget = data.context.budget_remaining
        if budget is not None and not 0 <= budget <= 10**9:
            raise DomainError("Must be between 0 and 1000000000", field="context.budget_remaining")
        routing = RoutingRequest(
            task_description=data.task_description,
            task_type=data.task_type,
            context=RoutingContext(
                now=now(),
                deadline=data.context.deadline,
                team_experience=data.context.team_experience,
                budget_remaining=data.context.budget_remaining,
            ),
            files_to_modify=tuple(data.files_to_modify),
            complexity_indicators=data.complexity_indicators,
            preferences=data.preferences,
        )
        decision = await in_thread(select_for, kyros.db, kyros.catalog, routing)
        reasoning = decision.reasoning
        return ok(
            request,
            {
                "selected_model": decision.selected_model,
                "confidence_score": decision.confidence_score,
                "reasoning": {
                    "security_sensitive": reasoning.security_sensitive,
                    "complexity_score": reasoning.complexity_score,
                    "business_impact": reasoning.business_impact,
                    "cost_benefit_ratio": reasoning.cost_benefit_ratio,
                    "summary": reasoning.summary,
                },
                "estimated_cost": decision.estimated_cost,
                "estimated_duration": decision.estimated_duration,
                "fallback_model": decision.fallback_model,
            },
        )


def model_view(model: ModelSpec, performance: dict[str, Any]) -> dict[str, Any]:
    """The spec's shape plus status, cached-input price and how to reach the provider
    (the name of the environment variable holding its key, never a key)."""
    return {
        "name": model.name,
        "provider": model.provider,
        "status": model.status,
        "recommended_usage": model.recommended_usage,
        "capabilities": list(model.capabilities),
        "limits": {
            "max_tokens": model.limits.max_tokens,
            "requests_per_minute": model.limits.requests_per_minute,
            "tokens_per_minute": model.limits.tokens_per_minute,
        },
        "pricing": {
            "input_tokens": model.pricing.input_per_1k,
            "output_tokens": model.pricing.output_per_1k,
            "cached_input_tokens": model.pricing.cached_input_per_1k,
            "currency": model.pricing.currency,
        },
        "connection": {
            "kind": model.connection.kind,
            "base_url": model.connection.base_url,
            "api_key_env": model.connection.api_key_env,
        },
        "performance": performance,
    }
