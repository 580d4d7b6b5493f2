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
    ("GetAgentRoleHistory", "role"): ROLES,
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
    schemas.update({name: _decimals_as_numbers(schema) for name, schema in components.items()})
    for (name, field), rule in _FIELDS.items():
        prop = schemas.get(name, {}).get("properties", {}).get(field)
        if prop is not None:
            prop.update(rule)
    for (name, field), rule in _ITEMS.items():
        prop = schemas.get(name, {}).get("properties", {}).get(field)
        if prop is not None:
            prop["items"].update(rule)


def _decimals_as_numbers(node: Any) -> Any:
    """msgspec documents a Decimal as a string, but decodes a JSON number into one too (and the
    spec's examples send money as numbers): say both."""
    if isinstance(node, list):
        return [_decimals_as_numbers(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "string" and node.get("format") == "decimal":
        rest = {k: v for k, v in node.items() if k not in ("type", "format")}
        return {"anyOf": [{"type": "number"}, {"type": "string", "format": "decimal"}], **rest}
    return {key: _decimals_as_numbers(value) for key, value in node.items()}


def constrain_path(operation_id: str, parameter: dict[str, Any]) -> None:
    choices = PATH_ENUMS.get((operation_id, parameter.get("name", "")))
    if choices is not None:
        parameter["schema"] = {"type": "string", "enum": list(choices)}
