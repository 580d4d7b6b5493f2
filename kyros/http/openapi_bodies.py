"""Request bodies the handlers read themselves (forms, partial patches) in OpenAPI."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.domain.configuration import RULES, Rule
from kyros.domain.routing import EscalationRules
from kyros.http.forms import FORM
from kyros.identity.oauth2 import MAX_PARAM_CHARS
from kyros.identity.tokens import MAX_TOKEN_BYTES

JSON = "application/json"


def _rule(rule: Rule) -> dict[str, Any]:
    if rule.kind == "bool":
        return {"type": "boolean"}
    if rule.kind == "str":
        schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 100}
        return {**schema, "enum": list(rule.choices)} if rule.choices else schema
    schema = {"type": "integer" if rule.kind == "int" else "number"}
    for key, bound in (("minimum", rule.low), ("maximum", rule.high)):
        if bound is not None:
            schema[key] = float(bound) if isinstance(bound, Decimal) else bound
    return schema


def _configuration_patch() -> dict[str, Any]:
    """Derived from the rules the aggregate enforces, so the two cannot drift."""
    sections = {
        section: {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {k: _rule(r) for k, r in rules.items() if not r.read_only},
        }
        for section, rules in RULES.items()
    }
    return {
        "type": "object",
        "description": "A partial update: only the settings present change.",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": sections,
    }


def _names(**extra: Any) -> dict[str, Any]:
    item = {"type": "string", "minLength": 1, "pattern": r"\S", **extra}
    return {"type": "array", "minItems": 1, "uniqueItems": True, "items": item}


_UNIT = {"type": "number", "minimum": 0, "maximum": 1}
_POSITIVE = {"type": "integer", "minimum": 1}
AGENT_ROLE_PATCH: dict[str, Any] = {
    "type": "object",
    "description": "A partial update: nested objects merge key by key. Models must be in the "
    "catalog, the default among `available_models`, and `max_tokens` within its limit.",
    "additionalProperties": False,
    "properties": {
        "role": {"type": "string", "description": "Must equal the path's role if sent."},
        "enabled": {"type": "boolean"},
        "default_model": {"type": "string", "minLength": 1},
        "available_models": _names(),
        "capabilities": _names(),
        "preferences": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "temperature": {"type": "number", "minimum": 0, "maximum": 2},
                "max_tokens": _POSITIVE,
                "timeout": _POSITIVE,
            },
        },
        "constraints": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "max_files_per_task": _POSITIVE,
                "max_diff_size": _POSITIVE,
                "allowed_file_types": _names(pattern=r"^\.[^/]+$"),
            },
        },
        "escalation_rules": {
            "type": "object",
            "additionalProperties": False,
            "properties": dict.fromkeys(EscalationRules.__struct_fields__, _UNIT),
        },
    },
}


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": limit}


_LOGIN_FORM = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": _text(254), "password": _text(1024)},
}
_TOKEN_FORM = {
    "type": "object",
    "description": "RFC 6749: `password` needs username and password, `refresh_token` a "
    "refresh_token, `client_credentials` client_id (the API key's prefix) and client_secret "
    "(the whole key).",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {
            "type": "string",
            "enum": ["password", "refresh_token", "client_credentials"],
        },
        "username": _text(254),
        "password": _text(1024),
        "refresh_token": _text(MAX_TOKEN_BYTES),
        "client_id": _text(100),
        "client_secret": _text(200),
    },
}
_CALLBACK = {
    "type": "object",
    "description": "The provider's redirect parameters: `code` and `state` (and `iss`, RFC "
    "9207), or `error`.",
    "properties": {
        "code": {"type": "string", "maxLength": MAX_PARAM_CHARS},
        "state": {"type": "string", "maxLength": MAX_PARAM_CHARS},
        "iss": {"type": "string", "maxLength": MAX_PARAM_CHARS},
        "error": {"type": "string", "maxLength": 100},
    },
}


def _body(schema: dict[str, Any], *media_types: str) -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": schema} for media in media_types}}


RAW_BODIES: dict[str, dict[str, Any]] = {
    "UpdateConfiguration": _body(_configuration_patch(), JSON),
    "UpdateAgentConfiguration": _body(AGENT_ROLE_PATCH, JSON),
    "Login": _body(_LOGIN_FORM, FORM),
    "IssueToken": _body(_TOKEN_FORM, FORM),
    "CompleteOAuth2Login": _body(_CALLBACK, JSON, FORM),
}
