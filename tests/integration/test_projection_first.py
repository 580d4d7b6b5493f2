"""The read models a waiting write reads back commit first, in a transaction of their own, and
a failing read model costs the others nothing."""

from __future__ import annotations

import pytest

from kyros.bootstrap import Kyros
from kyros.projections.engine import Page, ProjectionEngine, Stepped
from kyros.readstore.database import Cursor
from tests.builders.commands import make_task
from tests.integration.helpers import table

pytestmark = pytest.mark.both_stores  # each store's transactions and visibility


def test_the_read_models_a_write_waits_for_are_readable_before_the_others_move(
    kyros: Kyros,
) -> None:
    kyros.engine.catch_up_all(list(kyros.engine.projections), 100)
    before = kyros.engine.positions()
    make_task(kyros.app, title="first")
    seen: list[tuple[dict[str, Stepped], dict[str, int], int]] = []

    def released(results: dict[str, Stepped]) -> None:  # another connection looks now
        seen.append((results, kyros.engine.positions(), len(table(kyros.db, "rm_tasks", "id"))))

    names = list(kyros.engine.projections)
    results = kyros.engine.step_all(names, 100, first=["tasks"], on_first=released)

    ((early, positions, rows),) = seen
    head = kyros.app.head()
    assert set(early) == {"tasks"} and early["tasks"].position == head
    assert positions["tasks"] == head and rows == 1
    assert all(positions[n] == before[n] for n in names if n != "tasks")
    assert all(s.position == head and s.error is None for s in results.values())
    assert kyros.engine.positions() == dict.fromkeys(names, head)


class Failing:
    """Fails every page it is given that holds an event, as a broken read model would."""

    name = "failing"
    consumes = frozenset({"Task.Created"})

    def create(self, tx: Cursor) -> None:
        return None

    def clear(self, tx: Cursor) -> None:
        return None

    def apply(self, tx: Cursor, page: Page) -> None:
        raise RuntimeError("broken")


def test_a_failing_read_model_halts_alone_and_the_others_of_its_page_commit(
    kyros: Kyros,
) -> None:
    tasks = kyros.engine.projections["tasks"]
    engine = ProjectionEngine(kyros.app, kyros.db, [tasks, Failing()])
    engine.setup()
    make_task(kyros.app, title="one")
    make_task(kyros.app, title="two")

    results = engine.step_all(["tasks", "failing"], 100)

    assert results["tasks"].error is None and results["tasks"].position == kyros.app.head()
    assert len(table(kyros.db, "rm_tasks", "id")) == 2
    assert results["failing"].error is not None
    assert engine.position("failing") < kyros.app.head()
    assert engine.failure("failing") is not None
