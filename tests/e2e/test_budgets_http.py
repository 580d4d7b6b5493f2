"""Budgets over a real socket: CRUD, validation, and the current period's figures as work
reserves, settles and releases its cost."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import Credential
from tests.builders.http import agent_client, client_as, create_budget, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, submit
from tests.e2e.escalation_helpers import PLAIN, body
from tests.e2e.helpers import assert_error, get_task

UNKNOWN_BUDGET = "budget_01ARZ3NDEKTSV4RRFFQ69G5FAV"


def _midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _budgets(client: httpx.Client) -> list[dict[str, object]]:
    return body(client.get("/v1/budgets"))["budgets"]  # type: ignore[no-any-return]


def _period(client: httpx.Client, budget_id: str) -> dict[str, object]:
    return body(client.get(f"/v1/budgets/{budget_id}"))["current_period"]  # type: ignore[no-any-return]


def test_a_budget_is_created_read_changed_and_deleted(
    client: httpx.Client, admin: Credential
) -> None:
    created = create_budget(
        client,
        name="Implementer daily",
        period="daily",
        limit=50,
        scope="role",
        scope_value="implementer",
        enforcement="soft",
        alert_threshold=0.75,
    )
    assert created["id"].startswith("budget_")
    today = datetime.now(UTC).date()
    assert created == {
        "id": created["id"],
        "name": "Implementer daily",
        "period": "daily",
        "limit": Decimal("50.00"),
        "scope": "role",
        "scope_value": "implementer",
        "enforcement": "soft",
        "alert_threshold": Decimal("0.75"),
        "enabled": True,
        "created_by": admin.id,
        "created_at": created["created_at"],
        "updated_at": created["created_at"],
        "current_period": {
            "start": _midnight(today),
            "end": _midnight(today + timedelta(days=1)),
            "spent": 0,
            "reserved": 0,
            "committed": 0,
            "remaining": Decimal("50.00"),
            "utilization": Decimal("0.00"),
            "open_reservations": 0,
        },
    }
    assert body(client.get(f"/v1/budgets/{created['id']}")) == created
    assert _budgets(client) == [created]

    changed = body(client.put(f"/v1/budgets/{created['id']}", json={"limit": 75.5}))
    assert changed["limit"] == Decimal("75.50")
    assert changed["current_period"]["remaining"] == Decimal("75.50")
    assert changed["updated_at"] >= created["updated_at"]
    assert {
        k: v for k, v in changed.items() if k not in ("limit", "updated_at", "current_period")
    } == {k: v for k, v in created.items() if k not in ("limit", "updated_at", "current_period")}
    system = body(
        client.put(
            f"/v1/budgets/{created['id']}",
            json={"scope": "system", "scope_value": None, "enabled": False},
        )
    )
    assert (system["scope"], system["scope_value"], system["enabled"]) == ("system", None, False)

    deleted = client.delete(f"/v1/budgets/{created['id']}")
    assert body(deleted) == system
    assert_error(client.get(f"/v1/budgets/{created['id']}"), 404, "NOT_FOUND", "budget_id")
    assert_error(client.delete(f"/v1/budgets/{created['id']}"), 404, "NOT_FOUND", "budget_id")
    assert _budgets(client) == []


def test_only_the_three_required_fields_are_needed_and_defaults_fill_the_rest(
    client: httpx.Client,
) -> None:
    created = body(
        client.post("/v1/budgets", json={"name": "All", "period": "monthly", "limit": "1000"}), 201
    )
    assert (created["scope"], created["scope_value"], created["enforcement"]) == (
        "system",
        None,
        "hard",
    )
    assert (created["alert_threshold"], created["enabled"]) == (Decimal("0.8"), True)
    today = datetime.now(UTC).date()
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    assert (created["current_period"]["start"], created["current_period"]["end"]) == (
        _midnight(start),
        _midnight(end),
    )
    weekly = create_budget(client, name="Week", period="weekly")
    monday = today - timedelta(days=today.weekday())
    assert (weekly["current_period"]["start"], weekly["current_period"]["end"]) == (
        _midnight(monday),
        _midnight(monday + timedelta(days=7)),
    )
    assert [b["name"] for b in _budgets(client)] == ["All", "Week"]  # oldest first


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"period": "daily", "limit": 1}, "name"),
        ({"name": "x", "limit": 1}, "period"),
        ({"name": "x", "period": "daily"}, "limit"),
        ({"name": "", "period": "daily", "limit": 1}, "name"),
        ({"name": "   ", "period": "daily", "limit": 1}, "name"),
        ({"name": "x" * 101, "period": "daily", "limit": 1}, "name"),
        ({"name": "x", "period": "yearly", "limit": 1}, "period"),
        ({"name": "x", "period": "daily", "limit": -1}, "limit"),
        ({"name": "x", "period": "daily", "limit": 10_000_001}, "limit"),
        ({"name": "x", "period": "daily", "limit": "lots"}, "limit"),
        ({"name": "x", "period": "daily", "limit": True}, "limit"),
        ({"name": "x", "period": "daily", "limit": 1, "scope": "planet"}, "scope"),
        ({"name": "x", "period": "daily", "limit": 1, "scope": "role"}, "scope_value"),
        ({"name": "x", "period": "daily", "limit": 1, "scope_value": "critic"}, "scope_value"),
        ({"name": "x", "period": "daily", "limit": 1, "enforcement": "strict"}, "enforcement"),
        ({"name": "x", "period": "daily", "limit": 1, "alert_threshold": 1.5}, "alert_threshold"),
        ({"name": "x", "period": "daily", "limit": 1, "alert_threshold": -0.1}, "alert_threshold"),
        ({"name": "x", "period": "daily", "limit": 1, "enabled": "yes"}, "enabled"),
        ({"name": "x", "period": "daily", "limit": 1, "owner": "me"}, "owner"),
    ],
)
def test_bad_budgets_name_the_field_and_create_nothing(
    client: httpx.Client, payload: dict[str, object], field: str
) -> None:
    error = assert_error(client.post("/v1/budgets", json=payload), 422, "VALIDATION_ERROR", field)
    if field == "period" and "period" in payload:
        assert error["error"]["details"]["issue"] == "Must be one of: daily, weekly, monthly"
    assert _budgets(client) == []


def test_budget_names_are_unique_and_updates_are_checked_whole(client: httpx.Client) -> None:
    first = create_budget(client, name="Daily")
    duplicate = client.post("/v1/budgets", json={"name": "daily", "period": "daily", "limit": 1})
    assert_error(duplicate, 422, "VALIDATION_ERROR", "name")
    second = create_budget(client, name="Other")
    renamed = client.put(f"/v1/budgets/{second['id']}", json={"name": "DAILY"})
    assert_error(renamed, 422, "VALIDATION_ERROR", "name")
    scoped = client.put(f"/v1/budgets/{first['id']}", json={"scope": "model"})
    assert_error(scoped, 422, "VALIDATION_ERROR", "scope_value")
    assert_error(client.put(f"/v1/budgets/{first['id']}", json={}), 422, "VALIDATION_ERROR", "body")
    negative = client.put(f"/v1/budgets/{first['id']}", json={"limit": -5})
    assert_error(negative, 422, "VALIDATION_ERROR", "limit")
    assert body(client.get(f"/v1/budgets/{first['id']}")) == body(
        client.get(f"/v1/budgets/{first['id']}")
    )
    assert [(b["name"], b["limit"], b["scope"]) for b in _budgets(client)] == [
        ("Daily", Decimal("100.00"), "system"),
        ("Other", Decimal("100.00"), "system"),
    ]


def test_unknown_budgets_are_not_found(client: httpx.Client) -> None:
    for budget_id in (UNKNOWN_BUDGET, "nope", "budget_%00"):
        assert_error(client.get(f"/v1/budgets/{budget_id}"), 404, "NOT_FOUND", "budget_id")
        changed = client.put(f"/v1/budgets/{budget_id}", json={"limit": 1})
        assert_error(changed, 404, "NOT_FOUND", "budget_id")
        assert_error(client.delete(f"/v1/budgets/{budget_id}"), 404, "NOT_FOUND", "budget_id")


def test_cost_readers_may_read_budgets_but_only_budget_managers_change_them(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    made = create_budget(client)
    with client_as(kyros, base_url, "developer") as (developer, _):
        assert body(developer.get(f"/v1/budgets/{made['id']}"))["id"] == made["id"]
        refused = developer.post("/v1/budgets", json={"name": "x", "period": "daily", "limit": 1})
        assert_error(refused, 403, "FORBIDDEN")
        assert_error(developer.delete(f"/v1/budgets/{made['id']}"), 403, "FORBIDDEN")
    with client_as(kyros, base_url, "viewer") as (viewer, _):
        assert_error(viewer.get("/v1/budgets"), 403, "FORBIDDEN")
    assert [b["id"] for b in _budgets(client)] == [made["id"]]


@pytest.mark.both_stores  # money figures are read-model SQL
def test_the_current_period_shows_a_reservation_then_the_settled_cost(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    budget = create_budget(client, name="System", limit=100)
    role_budget = create_budget(
        client, name="Critics", limit=100, scope="role", scope_value="critic"
    )
    task = create_task(client, **PLAIN)
    estimate = Decimal(str(submit(client, task["id"])["estimated_cost"]))
    assert estimate > 0
    held = _period(client, budget["id"])
    assert held["reserved"] == held["committed"] == estimate
    assert (held["spent"], held["open_reservations"]) == (0, 1)
    assert held["remaining"] == Decimal("100.00") - estimate
    assert held["utilization"] == (estimate / 100 * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert _period(client, role_budget["id"])["committed"] == 0  # another role's

    with agent_client(kyros, base_url) as agent:
        claimed = claim(agent, register_agent(agent), wait=5)
        assert complete(agent, claimed["submission_id"]).status_code == 200
    cost = Decimal(str(get_task(client, task["id"])["metadata"]["cost"]))
    settled = _period(client, budget["id"])
    assert (settled["spent"], settled["reserved"], settled["open_reservations"]) == (cost, 0, 0)
    assert settled["committed"] == cost
    assert settled["remaining"] == Decimal("100.00") - cost


@pytest.mark.both_stores  # money figures are read-model SQL
def test_cancelling_or_failing_work_releases_its_reservation(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    budget = create_budget(client, name="System", limit=100)
    cancelled, failed = create_task(client, **PLAIN), create_task(client, **PLAIN)
    for task in (cancelled, failed):
        submit(client, task["id"])
    assert _period(client, budget["id"])["open_reservations"] == 2
    assert client.delete(f"/v1/tasks/{cancelled['id']}").status_code == 200
    assert _period(client, budget["id"])["open_reservations"] == 1
    with agent_client(kyros, base_url) as agent:
        claimed = claim(agent, register_agent(agent), wait=5)
        assert claimed["task_id"] == failed["id"]
        path = f"/v1/submissions/{claimed['submission_id']}/fail"
        assert agent.post(path, json={"error": "broken", "retryable": False}).status_code == 200
    released = _period(client, budget["id"])
    assert (released["spent"], released["reserved"], released["open_reservations"]) == (0, 0, 0)


def test_a_hard_budget_smaller_than_the_estimate_refuses_the_submission(
    client: httpx.Client,
) -> None:
    budget = create_budget(client, name="Tiny", limit=0, enforcement="hard")
    task = create_task(client, **PLAIN)
    response = client.post("/v1/agents/implementer/submit", json={"task_id": task["id"]})
    error = assert_error(response, 409, "BUDGET_EXCEEDED", "estimated_cost")
    assert "Tiny" in error["error"]["details"]["issue"]
    assert get_task(client, task["id"])["status"] == "pending"
    assert _period(client, budget["id"])["open_reservations"] == 0

    body(client.put(f"/v1/budgets/{budget['id']}", json={"enforcement": "soft"}))
    assert submit(client, task["id"])["status"] == "accepted"  # soft: warns, never refuses
    assert _period(client, budget["id"])["open_reservations"] == 1


def test_a_disabled_budget_does_not_hold_work(client: httpx.Client) -> None:
    budget = create_budget(client, name="Off", limit=0, enabled=False)
    task = create_task(client, **PLAIN)
    assert submit(client, task["id"])["status"] == "accepted"
    assert _period(client, budget["id"])["open_reservations"] == 0
