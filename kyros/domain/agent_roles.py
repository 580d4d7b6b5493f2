"""Agent role configuration: the spec's shape, per-role defaults and validated partial updates."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import msgspec

from kyros.domain.model_catalog import DEFAULT_MODEL, ESCALATION_MODEL, Catalog
from kyros.domain.routing import EscalationRules
from kyros.domain.routing_errors import ConstraintViolated, InvalidConfiguration, RoleNotFound
from kyros.domain.vocabulary import ROLES, Role


class RolePreferences(msgspec.Struct, frozen=True):
    """Sampling defaults for the role's agent; `timeout` is in seconds."""

    temperature: float
    max_tokens: int
    timeout: int


class RoleConstraints(msgspec.Struct, frozen=True):
    """`max_diff_size` counts changed lines; file types are suffixes such as ".py"."""

    max_files_per_task: int
    max_diff_size: int
    allowed_file_types: tuple[str, ...]


class AgentRoleConfig(msgspec.Struct, frozen=True):
    role: Role
    enabled: bool
    default_model: str
    available_models: tuple[str, ...]
    capabilities: tuple[str, ...]
    preferences: RolePreferences
    constraints: RoleConstraints
    escalation_rules: EscalationRules


def _role(
    role: Role,
    capabilities: tuple[str, ...],
    preferences: RolePreferences,
    constraints: RoleConstraints,
    rules: EscalationRules,
) -> AgentRoleConfig:
    models = (DEFAULT_MODEL, ESCALATION_MODEL)
    return AgentRoleConfig(
        role, True, DEFAULT_MODEL, models, capabilities, preferences, constraints, rules
    )


_CODE = (".py", ".js", ".ts", ".md", ".json", ".yaml")
DEFAULT_ROLES: Mapping[str, AgentRoleConfig] = MappingProxyType(
    {
        "architect": _role(
            "architect",
            ("system_design", "api_design", "architecture_review", "technical_planning"),
            RolePreferences(temperature=0.5, max_tokens=4000, timeout=600),
            RoleConstraints(max_files_per_task=20, max_diff_size=300, allowed_file_types=_CODE),
            EscalationRules(0.7, 0.5, 0.5),
        ),
        "implementer": _role(
            "implementer",
            ("code_implementation", "test_creation", "bug_fixes", "documentation_updates"),
            RolePreferences(temperature=0.7, max_tokens=2000, timeout=300),
            RoleConstraints(max_files_per_task=10, max_diff_size=500, allowed_file_types=_CODE),
            EscalationRules(0.8, 0.7, 0.6),
        ),
        "critic": _role(
            "critic",
            ("code_review", "security_review", "test_review", "style_enforcement"),
            RolePreferences(temperature=0.2, max_tokens=3000, timeout=300),
            RoleConstraints(max_files_per_task=30, max_diff_size=100, allowed_file_types=_CODE),
            EscalationRules(0.7, 0.7, 0.6),
        ),
        "integrator": _role(
            "integrator",
            ("integration", "merge_conflict_resolution", "ci_configuration", "release_notes"),
            RolePreferences(temperature=0.3, max_tokens=2000, timeout=600),
            RoleConstraints(
                max_files_per_task=25,
                max_diff_size=1000,
                allowed_file_types=(*_CODE, ".yml", ".toml"),
            ),
            EscalationRules(0.8, 0.7, 0.6),
        ),
    }
)


def default_role_config(role: str) -> AgentRoleConfig:
    """The spec's starting point for `role`; RoleNotFound (404) for anything else."""
    if role not in ROLES:
        raise RoleNotFound(role)
    return DEFAULT_ROLES[role]


def _number(low: float, high: float | None, *, whole: bool) -> Callable[[Any, str], Any]:
    def check(value: Any, field: str) -> Any:
        kinds = int if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise InvalidConfiguration(f"Must be a {'whole ' if whole else ''}number", field=field)
        if not (low <= value and (high is None or value <= high)):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise InvalidConfiguration(f"Must be {bounds}", field=field)
        return value if whole else float(value)

    return check


def _names(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidConfiguration("Must be a non-empty list of strings", field=field)
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise InvalidConfiguration("Must be a non-empty string", field=f"{field}[{index}]")
    if len(set(value)) != len(value):
        raise InvalidConfiguration("Must not repeat an entry", field=field)
    return tuple(value)


def _file_types(value: Any, field: str) -> tuple[str, ...]:
    types = _names(value, field)
    for index, item in enumerate(types):
        if not item.startswith(".") or len(item) < 2 or "/" in item:
            raise InvalidConfiguration('Must be a suffix such as ".py"', field=f"{field}[{index}]")
    return types


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidConfiguration("Must be a boolean", field=field)
    return value


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidConfiguration("Must be a non-empty string", field=field)
    return value


_UNIT = _number(0.0, 1.0, whole=False)
_POSITIVE = _number(1, None, whole=True)
_SECTIONS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "preferences": {
        "temperature": _number(0.0, 2.0, whole=False),
        "max_tokens": _POSITIVE,
        "timeout": _POSITIVE,
    },
    "constraints": {
        "max_files_per_task": _POSITIVE,
        "max_diff_size": _POSITIVE,
        "allowed_file_types": _file_types,
    },
    "escalation_rules": dict.fromkeys(EscalationRules.__struct_fields__, _UNIT),
}
_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "enabled": _flag,
    "default_model": _text,
    "available_models": _names,
    "capabilities": _names,
}


def _apply(current: AgentRoleConfig, patch: Mapping[str, Any]) -> AgentRoleConfig:
    changes: dict[str, Any] = {}
    for key, value in patch.items():
        if key == "role":
            if value != current.role:
                raise InvalidConfiguration("A role's name cannot be changed", field="role")
        elif key in _FIELDS:
            changes[key] = _FIELDS[key](value, key)
        elif key in _SECTIONS:
            if not isinstance(value, dict):
                raise InvalidConfiguration("Must be an object", field=key)
            section = _SECTIONS[key]
            for name in value:
                if name not in section:
                    allowed = ", ".join(section)
                    raise InvalidConfiguration(
                        f"Unknown key; one of: {allowed}", field=f"{key}.{name}"
                    )
            checked = {name: section[name](item, f"{key}.{name}") for name, item in value.items()}
            changes[key] = msgspec.structs.replace(getattr(current, key), **checked)
        else:
            allowed = ", ".join(["role", *_FIELDS, *_SECTIONS])
            raise InvalidConfiguration(f"Unknown key; one of: {allowed}", field=key)
    return msgspec.structs.replace(current, **changes)


def validate_role_update(
    current: AgentRoleConfig, patch: Mapping[str, Any], catalog: Catalog
) -> AgentRoleConfig:
    """The configuration after `patch`, or InvalidConfiguration naming the first bad field.

    Nothing is applied unless the whole patch is valid; nested objects merge key by key.
    """
    if not isinstance(patch, Mapping):
        raise InvalidConfiguration("Must be an object", field="body")
    updated = _apply(current, patch)
    for index, name in enumerate(updated.available_models):
        if name not in catalog.names():
            field = f"available_models[{index}]"
            raise InvalidConfiguration(f"Unknown model {name!r}", field=field)
    if updated.default_model not in catalog.names():
        raise InvalidConfiguration(
            f"Unknown model {updated.default_model!r}", field="default_model"
        )
    if updated.default_model not in updated.available_models:
        field = "default_model" if "default_model" in patch else "available_models"
        raise InvalidConfiguration("The default model must be one of available_models", field=field)
    limit = catalog.get(updated.default_model).limits.max_tokens
    if updated.preferences.max_tokens > limit:
        issue = f"Must not exceed {updated.default_model}'s limit of {limit}"
        raise InvalidConfiguration(issue, field="preferences.max_tokens")
    return updated


def check_constraints(
    config: AgentRoleConfig, files_to_modify: tuple[str, ...] | list[str]
) -> None:
    """Refuses a task before any tokens are spent on work the role may not do."""
    limit = config.constraints.max_files_per_task
    if len(files_to_modify) > limit:
        issue = f"{len(files_to_modify)} files exceed the {config.role}'s limit of {limit}"
        raise ConstraintViolated("files_to_modify", issue)
    allowed = {suffix.lower() for suffix in config.constraints.allowed_file_types}
    for index, path in enumerate(files_to_modify):
        suffix = posixpath.splitext(path.replace("\\", "/"))[1].lower()
        if suffix not in allowed:
            issue = f"{path!r} is not one of the allowed file types: {', '.join(sorted(allowed))}"
            raise ConstraintViolated(f"files_to_modify[{index}]", issue)
