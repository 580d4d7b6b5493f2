"""The routing policies commands route with: the whole catalogue for a system-wide choice, or
one agent role's own models and escalation rules."""

from __future__ import annotations

from typing import Any

from kyros.domain.agent_roles import AgentRoleConfig
from kyros.domain.model_catalog import Catalog
from kyros.domain.routing import EscalationRules, RoutingPolicy
from kyros.domain.routing_errors import InvalidConfiguration


def system_policy(catalog: Catalog, models: dict[str, Any]) -> RoutingPolicy:
    """For POST /models/select: the whole catalog, the configured models, default rules."""
    return RoutingPolicy(
        catalog,
        default_model=models["default_model"],
        escalation_model=models["escalation_model"],
        fallback_model=models["fallback_model"],
        rules=EscalationRules(),
    )


def role_policy(catalog: Catalog, models: dict[str, Any], role: AgentRoleConfig) -> RoutingPolicy:
    """A role routes among its own available models, from its default model, by its own
    escalation rules; without the escalation model among them it never escalates."""
    allowed = Catalog(tuple(m for m in catalog.models if m.name in role.available_models))
    names = allowed.names()
    if role.default_model not in names:
        issue = f"The {role.role} role's default model {role.default_model!r} is not in the catalog"
        raise InvalidConfiguration(issue, field="default_model")
    escalation = models["escalation_model"]
    fallback = models["fallback_model"]
    return RoutingPolicy(
        allowed,
        default_model=role.default_model,
        escalation_model=escalation if escalation in names else role.default_model,
        fallback_model=fallback if fallback in names else role.default_model,
        rules=role.escalation_rules,
    )
