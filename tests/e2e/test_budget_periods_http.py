"""GET /v1/budgets/{id}/periods over a real socket: past daily periods with what they spent
and held, each against the limit in force at its end; paged, filtered, rebuilt alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.projections.shadow import rebuild
from tests.builders.http import agent_client, create_budget, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, submit
from tests.e2e.analytics_history import EventClock, event_clock, figures
from tests.e2e.escalation_helpers import PLAIN, body
from tests.e2e.helpers import assert_error, get_task

pytestmark = pytest.mark.both_stores  # money is Decimal text in each store

__all__ = ["event_clock"]  # a fixture, imported for these tests


def periods(kyros: Kyros, client: httpx.Client, budget_id: str, **params: Any) -> Any:
    head = {"X-Kyros-Min-Position": str(kyros.app.head())}
    return figures(client.get(f"/v1/budgets/{budget_id}/periods", params=params, headers=head))


def midnight(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT00:00:00Z")


@pytest.fixture
def dispatch_clock(monkeypatch: pytest.MonkeyPatch, event_clock: EventClock) -> EventClock:
    """Submissions reserve in the period of the moment they are dispatched: the event clock's."""
    monkeypatch.setattr("kyros.http.agent_roles.now", event_clock)
    return event_clock


def test_past_periods_show_their_spending_against_the_limit_of_their_time(
    kyros: Kyros, base_url: str, client: httpx.Client, dispatch_clock: EventClock
) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    two_days_ago, yesterday = today - timedelta(days=2), today - timedelta(days=1)
    dispatch_clock.at = two_days_ago + timedelta(hours=10)
    budget = create_budget(client, name="Daily", period="daily", limit=100, enforcement="soft")
    first = create_task(client, **PLAIN)
    submit(client, first["id"])
    with agent_client(kyros, base_url) as agent:
        claimed = claim(agent, register_agent(agent), wait=5)
        assert complete(agent, claimed["submission_id"]).status_code == 200
    spent = Decimal(str(get_task(client, first["id"])["metadata"]["cost"]))

    dispatch_clock.at = yesterday + timedelta(hours=10)
    body(client.put(f"/v1/budgets/{budget['id']}", json={"limit": 50}))
    second = create_task(client, **PLAIN)
    held = Decimal(str(submit(client, second["id"])["estimated_cost"]))  # never claimed

    dispatch_clock.at = datetime.now(UTC)
    body(client.put(f"/v1/budgets/{budget['id']}", json={"limit": "75.25"}))

    listed = periods(kyros, client, budget["id"])
    assert listed["pagination"] == {"total": 2, "limit": 50, "offset": 0, "has_more": False}
    assert listed["periods"] == [
        {
            "start": midnight(yesterday),
            "end": midnight(today),
            "period": "daily",
            "limit": Decimal("50.00"),  # 75.25 came after this period ended
            "spent": 0,
            "reserved": held,
            "committed": held,
            "remaining": Decimal("50.00") - held,
            "utilization": (held * 2).quantize(Decimal("0.01")),
            "open_reservations": 1,
            "current": False,
        },
        {
            "start": midnight(two_days_ago),
            "end": midnight(yesterday),
            "period": "daily",
            "limit": Decimal("100.00"),
            "spent": spent,
            "reserved": 0,
            "committed": spent,
            "remaining": Decimal("100.00") - spent,
            "utilization": (spent).quantize(Decimal("0.01")),
            "open_reservations": 0,
            "current": False,
        },
    ]
    paged = periods(kyros, client, budget["id"], limit=1, offset=1)
    assert paged["periods"] == listed["periods"][1:]
    assert paged["pagination"]["has_more"] is False
    assert periods(kyros, client, budget["id"], limit=1)["pagination"]["has_more"] is True
    since = periods(kyros, client, budget["id"], **{"from": yesterday.strftime("%Y-%m-%d")})
    assert since["periods"] == listed["periods"][:1]
    until = periods(kyros, client, budget["id"], to=midnight(yesterday))
    assert until["periods"] == listed["periods"][1:]

    third = create_task(client, **PLAIN)
    submit(client, third["id"])  # today: the current period, at today's limit
    current = periods(kyros, client, budget["id"])["periods"][0]
    assert (current["start"], current["current"], current["limit"]) == (
        midnight(today),
        True,
        Decimal("75.25"),
    )

    before = periods(kyros, client, budget["id"])
    results = rebuild(kyros.engine, ["budgets", "budget_limits"], 3)
    assert all(s.error is None for s in results.values()), results
    assert periods(kyros, client, budget["id"]) == before


def test_unknown_budgets_and_bad_bounds_are_refused(client: httpx.Client) -> None:
    made = create_budget(client, name="Any")
    for budget_id in ("budget_01ARZ3NDEKTSV4RRFFQ69G5FAV", "nope"):
        response = client.get(f"/v1/budgets/{budget_id}/periods")
        assert_error(response, 404, "NOT_FOUND", "budget_id")
    for params, field in (
        ({"from": "monday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
    ):
        response = client.get(f"/v1/budgets/{made['id']}/periods", params=params)
        assert_error(response, 422, "VALIDATION_ERROR", field)
    empty = figures(client.get(f"/v1/budgets/{made['id']}/periods"))
    assert empty == {
        "periods": [],
        "pagination": {"total": 0, "limit": 50, "offset": 0, "has_more": False},
    }
