"""OpenAPI answer shapes of the system configuration (section by section, from the rules the
Configuration aggregate enforces) and of agent roles' settings."""

from __future__ import annotations

from msgspec import Struct, defstruct

from kyros.domain.agent_roles import RoleConstraints, RolePreferences
from kyros.domain.configuration import RULES
from kyros.domain.routing import EscalationRules

_SETTING_TYPES = {"bool": bool, "int": int, "decimal": float, "str": str}


def _section(name: str) -> type[Struct]:
    """One configuration section, field by field from the rules the aggregate enforces."""
    fields = [(key, _SETTING_TYPES[rule.kind]) for key, rule in RULES[name].items()]
    return defstruct(f"{name.capitalize()}Settings", fields)


SystemSettings = _section("system")
ModelsSettings = _section("models")
EscalationSettings = _section("escalation")
MonitoringSettings = _section("monitoring")
SecuritySettings = _section("security")


class ConfigurationSections(Struct):
    system: SystemSettings  # type: ignore[valid-type]
    models: ModelsSettings  # type: ignore[valid-type]
    escalation: EscalationSettings  # type: ignore[valid-type]
    monitoring: MonitoringSettings  # type: ignore[valid-type]
    security: SecuritySettings  # type: ignore[valid-type]


class AgentRole(Struct):
    role: str
    enabled: bool
    default_model: str
    available_models: list[str]
    capabilities: list[str]
    preferences: RolePreferences
    constraints: RoleConstraints
    escalation_rules: EscalationRules


class AgentRoleSummary(Struct):
    role: str
    enabled: bool
    default_model: str
    capabilities: list[str]
    constraints: RoleConstraints
    preferences: RolePreferences
