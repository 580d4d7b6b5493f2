"""One sample of every domain event class, with a value for each field, for catalogue tests.

`python -m tests.builders.event_samples` writes tests/fixtures/stored_events_v1.jsonl: each
sample as the store keeps it (topic and msgpack state) beside the public view it reads as.
That file is never rewritten once committed: old rows must go on reading the same way."""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

import kyros.domain
from kyros.domain.event_catalogue import BY_QUALNAME
from kyros.domain.event_schemas import annotations_of
from kyros.domain.event_view import public_view
from kyros.eventstore.log_reads import _MAPPER

FIXTURE = Path(__file__).parent.parent / "fixtures" / "stored_events_v1.jsonl"
ORIGINATOR = UUID("0190f5d2-8c4e-7a3b-9d21-5f6e7a8b9c0d")
AT = datetime(2026, 1, 15, 10, 30, 0, 123456, tzinfo=UTC)
_ENCODER = msgspec.json.Encoder(decimal_format="number")  # as the API answers


def domain_event_classes() -> list[type]:
    """Every event class of every aggregate in kyros.domain, found by walking the package:
    a new aggregate or event is found without anyone listing it."""
    found = []
    for module in pkgutil.iter_modules(kyros.domain.__path__):
        loaded = importlib.import_module(f"kyros.domain.{module.name}")
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and issubclass(value, Aggregate)
                and value.__module__ == loaded.__name__
            ):
                found += _recorded_events(value)
    return found


def _recorded_events(aggregate: type) -> list[type]:
    events = []
    for name, value in vars(aggregate).items():
        if not isinstance(value, type) or not issubclass(value, Aggregate.Event) or name == "Event":
            continue
        own = {f.name for f in fields(value)} - {
            "originator_id",
            "originator_version",
            "timestamp",
            "originator_topic",
        }
        if name == "Created" and not own:
            continue  # the generic Created of an aggregate created by another event
        events.append(value)
    return events


def sample_value(annotation: str, name: str, secret: bool) -> Any:
    kind = next(p.strip() for p in annotation.split("|") if p.strip() != "None")
    if secret:
        return f"SECRET-{name}-do-not-leak"
    samples: dict[str, Any] = {
        "str": f"{name}-value",
        "int": 3,
        "bool": True,
        "float": 0.5,
        "Decimal": Decimal("12.345"),
        "UUID": ORIGINATOR,  # every UUID field of an event is its entity's own id
        "datetime": AT,
        "list[str]": [f"{name}-item"],
        "dict[str, Any]": {"key": f"{name}-value"},
        "dict[str, dict[str, Any]]": {"title": {"old": "a", "new": "b"}},
    }
    return samples.get(kind, f"{name}-any")


def sample(event_class: type, version: int = 2) -> Any:
    redacted = BY_QUALNAME[event_class.__qualname__].redacted
    values: dict[str, Any] = {
        "originator_id": ORIGINATOR,
        "originator_version": version,
        "timestamp": AT,
    }
    for name, annotation in annotations_of(event_class).items():
        if name in ("originator_id", "originator_version", "timestamp", "originator_id_type"):
            continue
        if name == "originator_topic":
            values[name] = f"{event_class.__module__}:{event_class.__qualname__.split('.')[0]}"
        elif name == "actor":
            values[name] = "user_01ARZ3NDEKTSV4RRFFQ69G5FAV"
        else:
            values[name] = sample_value(annotation, name, name in redacted)
    valid = {f.name for f in fields(event_class)}
    return event_class(**{k: v for k, v in values.items() if k in valid})


def fixture_rows() -> list[dict[str, Any]]:
    rows = []
    for event_class in domain_event_classes():
        event = sample(event_class)
        stored = _MAPPER.to_stored_event(event)
        view = public_view(7, event, BY_QUALNAME[event_class.__qualname__])
        rows.append(
            {
                "topic": stored.topic,
                "originator_id": str(stored.originator_id),
                "originator_version": stored.originator_version,
                "state": base64.b64encode(stored.state).decode(),
                "view": json.loads(_json(view)),
            }
        )
    return rows


def _json(view: dict[str, Any]) -> str:
    return _ENCODER.encode(view).decode()


if __name__ == "__main__":
    FIXTURE.parent.mkdir(exist_ok=True)
    if FIXTURE.exists():
        raise SystemExit(f"{FIXTURE} is released: add a new file for a new version")
    FIXTURE.write_text("".join(json.dumps(row, sort_keys=True) + "\n" for row in fixture_rows()))
