"""A rebuild writes new tables beside the live ones and swaps them in once caught up: reads keep
answering from the old tables meanwhile, and afterwards the rebuilt read models equal the live
ones they replaced."""

from __future__ import annotations

import pytest

from kyros.bootstrap import Kyros
from kyros.projections.shadow import SUFFIX, rebuild
from tests.builders.commands import make_api_key, make_task, make_user, make_webhook
from tests.e2e.test_poisoned_projection_http import _append_poison
from tests.integration.helpers import table
from tests.integration.test_projection_consumes import read_model_tables

pytestmark = pytest.mark.both_stores  # renames within a transaction, per store


def _seed(kyros: Kyros) -> None:
    make_webhook(kyros, ["task.created"])
    for n in range(12):
        make_task(kyros.app, title=f"task {n}", tags=[f"t{n % 3}"])
    make_user(kyros, "someone", ["viewer"])
    make_api_key(kyros, "viewer")
    for name in kyros.engine.projections:
        kyros.engine.catch_up(name, 500)


def test_rebuilt_read_models_equal_the_live_ones_and_leave_no_shadow_behind(
    kyros: Kyros,
) -> None:
    _seed(kyros)
    live = read_model_tables(kyros)
    for _ in range(2):  # a second rebuild finds no name of the first in its way
        results = rebuild(kyros.engine, sorted(kyros.engine.projections), 5)
        assert all(s.error is None for s in results.values()), results
        assert read_model_tables(kyros) == live
    assert set(kyros.engine.positions().values()) == {kyros.app.head()}
    assert not [t for t in read_model_tables(kyros) if SUFFIX in t]


def test_reads_during_a_rebuild_answer_the_old_tables(kyros: Kyros) -> None:
    _seed(kyros)
    before = table(kyros.db, "rm_tasks", "id")
    seen_during: list[list[dict[str, object]]] = []

    def progress(at: dict[str, int]) -> None:
        seen_during.append(table(kyros.db, "rm_tasks", "id"))

    rebuild(kyros.engine, ["tasks"], 3, progress)
    assert len(seen_during) > 2  # several pages, each read while the rebuild was under way
    assert all(rows == before for rows in seen_during)
    assert table(kyros.db, "rm_tasks", "id") == before


def test_a_rebuild_that_cannot_apply_an_event_leaves_the_live_read_model_as_it_was(
    kyros: Kyros,
) -> None:
    _seed(kyros)
    users = table(kyros.db, "rm_users", "id")
    position = kyros.engine.position("users")
    poison = _append_poison(kyros)
    results = rebuild(kyros.engine, ["users", "tasks"], 500)
    error = results["users"].error
    assert error is not None and f"cannot apply event {poison}" in str(error)
    assert results["tasks"].error is None
    assert table(kyros.db, "rm_users", "id") == users
    assert kyros.engine.position("users") == position
    assert not [t for t in read_model_tables(kyros) if SUFFIX in t]


def _indexes(kyros: Kyros) -> dict[str, str]:
    """Every index on a read-model table, by name, with what it indexes."""
    with kyros.db.transaction(write=False) as tx:
        if kyros.db.dialect == "postgres":
            rows = tx.execute(
                "SELECT indexname AS name, indexdef AS sql FROM pg_indexes"
                " WHERE schemaname = current_schema()"
            ).fetchall()
        else:
            rows = tx.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).fetchall()
    return {r["name"]: r["sql"] for r in rows if SUFFIX not in r["name"]}


def test_a_rebuild_leaves_every_index_as_the_live_read_model_had_it(kyros: Kyros) -> None:
    """Indexes a shadow leaves out while it fills (`unread_indexes`) are there after the swap."""
    _seed(kyros)
    before = _indexes(kyros)
    assert {"rm_tasks_status", "rm_analytics_tasks_created"} <= set(before)
    results = rebuild(kyros.engine, ["tasks", "analytics"], 5)
    assert all(s.error is None for s in results.values()), results
    assert _indexes(kyros) == before
