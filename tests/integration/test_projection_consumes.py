"""Each read model's `consumes` names every event type its `apply` acts on: the reader gives it
only those, so a type missing from the declaration would be silently dropped from it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import DomainEvent

import kyros.domain
from kyros.bootstrap import Kyros
from kyros.projections.engine import Projection
from kyros.projections.registry import all_projections
from kyros.projections.storable_cursor import storable_cursor
from tests.builders.commands import (
    make_agent,
    make_api_key,
    make_budget,
    make_escalation,
    make_task,
    make_user,
    make_webhook,
)


def domain_event_types() -> set[str]:
    """The qualname of every event class the domain defines."""
    kinds = set()
    for module in pkgutil.walk_packages(kyros.domain.__path__, "kyros.domain."):
        for holder in vars(importlib.import_module(module.name)).values():
            if not inspect.isclass(holder):
                continue
            for cls in (holder, *vars(holder).values()):
                is_event = inspect.isclass(cls) and issubclass(cls, DomainEvent)
                if is_event and cls.__module__.startswith("kyros."):
                    kinds.add(cls.__qualname__)
    return kinds


class Touched(Exception):
    """An event's content was read: the read model acts on that type."""


def probe(kind: str) -> Any:
    """An event of type `kind`: the fields every event has answer (an apply may read them
    before it looks at the type), any other field read raises `Touched`."""

    def touched(self: Any, field: str) -> Any:
        raise Touched(f"{kind}.{field}")

    envelope = {"originator_id": uuid4(), "originator_version": 1, "timestamp": datetime.now(UTC)}
    cls = type(kind.rpartition(".")[2], (), {"__getattr__": touched, **envelope})
    cls.__qualname__ = kind
    return cls()


def read_model_tables(kyros: Kyros) -> dict[str, list[dict[str, Any]]]:
    with kyros.db.transaction(write=False) as tx:
        if kyros.db.dialect == "postgres":
            names = tx.execute(
                "SELECT table_name AS name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            ).fetchall()
        else:
            names = tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {
            row["name"]: sorted(tx.execute(f"SELECT * FROM {row['name']}").fetchall(), key=repr)
            for row in names
            if row["name"].startswith(("rm_", "webhook_"))
        }


def test_every_declared_type_is_an_event_the_domain_defines() -> None:
    known = domain_event_types()
    for projection in all_projections():
        assert projection.consumes, projection.name
        assert projection.consumes <= known, (projection.name, projection.consumes - known)


@pytest.mark.parametrize("projection", all_projections(), ids=lambda p: p.name)
def test_a_read_model_leaves_its_tables_alone_given_a_type_it_does_not_declare(
    kyros: Kyros, projection: Projection
) -> None:
    task = make_task(kyros.app, title="seen")
    make_escalation(kyros, task)
    make_user(kyros, "someone", ["viewer"])
    make_api_key(kyros, "viewer")
    make_agent(kyros.app)
    make_budget(kyros.app)
    make_webhook(kyros, ["task.created", "task.updated"])
    for name in kyros.engine.projections:
        kyros.engine.catch_up(name, 500)
    before = read_model_tables(kyros)
    undeclared = sorted(domain_event_types() - projection.consumes)
    assert undeclared
    head = kyros.app.head()
    for offset, kind in enumerate(undeclared, start=1):
        with kyros.db.transaction() as tx:
            try:
                projection.apply(
                    storable_cursor(tx, kyros.db.dialect), [(head + offset, probe(kind))]
                )
            except Touched as touched:
                pytest.fail(f"{projection.name} reads {touched} but does not declare {kind}")
    assert read_model_tables(kyros) == before
