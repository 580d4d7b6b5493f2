"""Read models fold a page in memory and write it once: any page size gives the same rows.

A page of one event is the event applied on its own, as a live follower often does; a
rebuild applies long pages. Both must leave every read model's tables identical.
"""

from __future__ import annotations

import json
from decimal import Decimal
from uuid import uuid4

import pytest

from kyros.bootstrap import Kyros
from kyros.domain.alert import Alert
from kyros.domain.api_key import ApiKey
from kyros.domain.token_family import TokenFamily
from kyros.domain.user import User
from kyros.projections.storable_cursor import storable_cursor
from tests.builders.history import seed_mix

pytestmark = pytest.mark.both_stores  # upserts and row-value lookups, on each store

# Written at enqueue time (the clock, not the log): every rebuild stamps them anew.
CLOCK_COLUMNS = {"webhook_deliveries": {"created_at", "next_attempt_at"}}


def read_models(kyros: Kyros) -> dict[str, list[str]]:
    """Every read-model table's rows, as sorted JSON lines."""
    with kyros.db.transaction(write=False) as tx:
        if kyros.db.dialect == "postgres":
            found = tx.execute(
                "SELECT table_name AS name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            ).fetchall()
        else:
            found = tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        names = sorted(r["name"] for r in found if r["name"].startswith(("rm_", "webhook_")))
        shot = {}
        for name in names:
            skip = CLOCK_COLUMNS.get(name, set())
            rows = tx.execute(f"SELECT * FROM {name}").fetchall()
            shot[name] = sorted(
                json.dumps({k: v for k, v in row.items() if k not in skip}, default=str)
                for row in rows
            )
    return shot


def rebuild(kyros: Kyros, page: int) -> dict[str, list[str]]:
    for name in kyros.engine.projections:
        kyros.engine.reset(name)
        kyros.engine.catch_up(name, page)
    return read_models(kyros)


def one_event_at_a_time(kyros: Kyros) -> dict[str, list[str]]:
    """Each event applied as a page of its own (in one transaction: commits cost time)."""
    log = kyros.app.recorder.select_notifications(start=0, limit=100_000)
    events = [(n.id, kyros.app.mapper.to_domain_event(n)) for n in log]
    for name, projection in kyros.engine.projections.items():
        kyros.engine.reset(name)
        with kyros.db.transaction() as tx:
            cursor = storable_cursor(tx, kyros.db.dialect)
            for item in events:
                projection.apply(cursor, [item])
    return read_models(kyros)


def identities(kyros: Kyros) -> None:
    """Users, keys, sessions and alerts, each created and changed within a few events."""
    user = User(
        user_id=uuid4(),
        username="ada",
        email="ada@example.com",
        name="Ada",
        password_hash="hash",
        roles=["viewer"],
        actor="user_root",
    )
    user.grant("admin", actor="user_root")
    user.revoke("viewer", actor="user_root")
    user.disable(actor="user_root")
    user.enable(actor="user_root")
    key = ApiKey(
        key_id=uuid4(), name="ci", prefix="kyr_abc", key_hash="h", role="viewer", actor="user_root"
    )
    key.revoke(actor="user_root")
    family = TokenFamily(family_id=uuid4(), user_id="user_ada", token_id="tok_1")
    family.revoke(reason="logout", actor="user_root")
    alert = Alert(
        alert_id=uuid4(),
        alert_type="budget_threshold",
        severity="warning",
        message="80 %",
        details={"spent": Decimal("8.50")},
        actor="system",
    )
    alert.acknowledge(note="seen", actor="user_root")
    alert.resolve(note="raised the limit", actor="user_root")
    kyros.app.save(user, key, family, alert)


def test_every_read_model_is_the_same_whatever_the_page_size(kyros: Kyros) -> None:
    kyros.engine.setup()
    seed_mix(kyros.app, 1000, tasks_per_save=10)
    identities(kyros)
    one_by_one = one_event_at_a_time(kyros)
    assert len(one_by_one["rm_tasks"]) >= 60
    assert one_by_one["rm_untracked_attempts"] and one_by_one["rm_attempts"]
    assert one_by_one["rm_budgets"] and one_by_one["rm_escalations"]
    assert rebuild(kyros, 50) == one_by_one
    assert rebuild(kyros, 1000) == one_by_one
