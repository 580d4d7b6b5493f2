"""Rules the server enforces beyond what Litestar derives, written into the OpenAPI document."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import msgspec
from msgspec import Struct

from kyros.domain.user import PASSWORD_LENGTH, USER_ROLES
from kyros.domain.vocabulary import ROLES
from kyros.http import schemas as request_schemas

_PASSWORD = {"minLength": PASSWORD_LENGTH[0], "maxLength": PASSWORD_LENGTH[1]}
_FIELDS: dict[tuple[str, str], dict[str, Any]] = {  # checked by the domain, one message each
    ("UserCreate", "password"): _PASSWORD,
    ("PasswordChange", "password"): _PASSWORD,
    ("RoleChange", "role"): {"enum": list(USER_ROLES)},
    ("ApiKeyCreate", "role"): {"enum": list(USER_ROLES)},
}
_ITEMS = {("UserCreate", "roles"): {"enum": list(USER_ROLES)}}
PATH_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("RevokeRole", "role"): USER_ROLES,
    ("GetAgentConfiguration", "role"): ROLES,
    ("UpdateAgentConfiguration", "role"): ROLES,
    ("GetAgentStatus", "role"): ROLES,
    ("SubmitTaskToAgent", "role"): ROLES,
    ("GetAgentRoleConfiguration", "role"): ROLES,
}


def _strict_structs() -> list[type[Struct]]:
    """Every request struct that refuses unknown fields (msgspec `forbid_unknown_fields`)."""
    found: list[type[Struct]] = []
    for module in pkgutil.iter_modules(request_schemas.__path__):
        loaded = importlib.import_module(f"{request_schemas.__name__}.{module.name}")
        for value in vars(loaded).values():
            strict = isinstance(value, type) and issubclass(value, Struct)
            if strict and value.__struct_config__.forbid_unknown_fields:
                found.append(value)
    return found


def apply_request_rules(schemas: dict[str, Any], ref_template: str) -> None:
    """msgspec's own schema of each request struct replaces Litestar's, which drops the
    constraints on list items and dict sizes and never says that unknown fields are refused."""
    strict = [s for s in _strict_structs() if s.__name__ in schemas]
    _, components = msgspec.json.schema_components(strict, ref_template=ref_template)
    schemas.update(components)
    for component in components.values():
        _decimals_as_numbers(component)
    for (name, field), rule in _FIELDS.items():
        prop = schemas.get(name, {}).get("properties", {}).get(field)
        if prop is not None:
            prop.update(rule)
    for (name, field), rule in _ITEMS.items():
        prop = schemas.get(name, {}).get("properties", {}).get(field)
        if prop is not None:
            prop["items"].update(rule)


def _decimals_as_numbers(node: Any) -> None:
    """msgspec calls a Decimal a decimal string, yet decodes a JSON number too, which is
    what clients send (`"limit": 100`): say both."""
    if isinstance(node, list):
        for item in node:
            _decimals_as_numbers(item)
    elif isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "decimal":
            del node["type"], node["format"]
            node["anyOf"] = [{"type": "number"}, {"type": "string", "format": "decimal"}]
            return
        for value in node.values():
            _decimals_as_numbers(value)


def constrain_path(operation_id: str, parameter: dict[str, Any]) -> None:
    choices = PATH_ENUMS.get((operation_id, parameter.get("name", "")))
    if choices is not None:
        parameter["schema"] = {"type": "string", "enum": list(choices)}
