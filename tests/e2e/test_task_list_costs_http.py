"""The task list over a real socket: each item's exact `metadata.cost`, and `sort_by=cost` in
either direction with tasks that recorded no cost last."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.projections.shadow import rebuild
from tests.builders.http import create_task
from tests.e2e.analytics_history import EventClock, event_clock, figures
from tests.e2e.sub_cent_history import COSTS, TOTAL, seed_sub_cent

pytestmark = pytest.mark.both_stores  # the sort joins a read model in each store's SQL

__all__ = ["event_clock"]  # a fixture, imported for these tests


def listed(kyros: Kyros, client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    head = {"X-Kyros-Min-Position": str(kyros.app.head())}
    tasks = figures(client.get("/v1/tasks", params=params, headers=head))["tasks"]
    return tasks  # type: ignore[no-any-return]


def test_list_items_carry_the_exact_cost_and_sort_by_it_with_costless_tasks_last(
    kyros: Kyros, base_url: str, client: httpx.Client, event_clock: EventClock
) -> None:
    seeded = seed_sub_cent(kyros, base_url, client, event_clock)
    pending = create_task(client, title="Not run yet")["id"]
    own_key = create_task(client, title="Client's cost", metadata={"cost": "a lot"})["id"]

    items = listed(kyros, client)
    costs = {item["id"]: item["metadata"]["cost"] for item in items}
    assert [costs[t] for t in seeded.task_ids] == list(COSTS)
    assert sum(c for c in costs.values() if c is not None) == TOTAL
    assert costs[pending] is None and costs[own_key] is None
    for task_id in seeded.task_ids:
        one = figures(client.get(f"/v1/tasks/{task_id}"))
        assert one["metadata"]["cost"] == costs[task_id]

    descending = listed(kyros, client, sort_by="cost")  # sort_order defaults to desc
    assert [i["metadata"]["cost"] for i in descending[:6]] == sorted(COSTS, reverse=True)
    assert {i["id"] for i in descending[6:]} == {pending, own_key}
    ascending = listed(kyros, client, sort_by="cost", sort_order="asc")
    assert [i["metadata"]["cost"] for i in ascending[:6]] == sorted(COSTS)
    assert {i["id"] for i in ascending[6:]} == {pending, own_key}
    assert listed(kyros, client, sort_by="cost", limit=2, offset=1) == descending[1:3]

    results = rebuild(kyros.engine, ["task_costs"], 2)
    assert all(s.error is None for s in results.values()), results
    assert listed(kyros, client, sort_by="cost") == descending
    assert Decimal(str(descending[0]["metadata"]["cost"])) == max(COSTS)


def test_an_unknown_sort_key_is_refused(client: httpx.Client) -> None:
    response = client.get("/v1/tasks", params={"sort_by": "price"})
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "sort_by"
