"""Model routing for commands and the selection endpoint: the policy from configuration."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import AggregateNotFoundError

from kyros.domain.agent_roles import AgentRoleConfig
from kyros.domain.configuration import CONFIGURATION_ID, DEFAULTS
from kyros.domain.models import Catalog
from kyros.domain.routing import EscalationRules, RoutingPolicy
from kyros.domain.routing_errors import InvalidConfiguration
from kyros.store.application import KyrosApplication


def system_models(app: KyrosApplication) -> dict[str, Any]:
    """The `models` section of the system configuration, read from the log."""
    try:
        return dict(app.repository.get(CONFIGURATION_ID).settings["models"])
    except AggregateNotFoundError:
        return dict(DEFAULTS["models"])


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
