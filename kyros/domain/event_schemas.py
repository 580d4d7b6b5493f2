"""JSON Schemas of the public `data` of each event type, derived from the event's fields."""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_DATE_TIME = {"type": "string", "format": "date-time"}
# An event field's annotation (as written in the aggregate) -> the JSON it reads as.
_SCHEMAS: dict[str, dict[str, Any]] = {
    "str": _STRING,
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "float": {"type": "number"},
    "Decimal": {"type": "number"},
    "UUID": _STRING,
    "datetime": _DATE_TIME,
    "list[str]": {"type": "array", "items": _STRING},
    "dict[str, Any]": {"type": "object"},
    "dict[str, dict[str, Any]]": {
        "type": "object",
        "additionalProperties": {"type": "object", "properties": {"old": {}, "new": {}}},
    },
    "Any": {},
}


def field_schema(annotation: str) -> dict[str, Any]:
    """Unknown annotations read as any JSON value, so a new field never breaks the document."""
    parts = [part.strip() for part in annotation.split("|")]
    nullable = "None" in parts
    kinds = [p for p in parts if p != "None"]
    schema = dict(_SCHEMAS.get(kinds[0], {})) if len(kinds) == 1 else {}
    if nullable and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


def annotations_of(event_class: type) -> dict[str, str]:
    found: dict[str, str] = {}
    for klass in reversed(event_class.__mro__):
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            found[name] = annotation if isinstance(annotation, str) else _name(annotation)
    return found


def _name(annotation: Any) -> str:
    return getattr(annotation, "__name__", str(annotation))


def data_schema(
    event_class: type, public: tuple[str, ...], redacted: tuple[str, ...]
) -> dict[str, Any]:
    """Every public field is present (null when the event had no value); redacted fields are
    named under `x-redacted` and never sent."""
    annotations = annotations_of(event_class)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: field_schema(annotations.get(name, "Any")) for name in public},
        "required": list(public),
    }
    if redacted:
        schema["x-redacted"] = list(redacted)
    return schema
