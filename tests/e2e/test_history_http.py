"""Per-entity histories: every event of one entity in log order, and 404 for unknown ids."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from kyros.settings import Settings
from tests.builders.commands import PASSWORD
from tests.builders.http import create_budget, create_task
from tests.e2e.agent_helpers import submit
from tests.e2e.escalation_helpers import PLAIN
from tests.e2e.events_helpers import all_pages, types_of
from tests.e2e.helpers import assert_error

# The log is read with each store's own SQL (its table, position column and id spelling).
pytestmark = pytest.mark.both_stores
UNKNOWN = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Webhook targets here are on loopback (port 9, where nothing listens)."""
    return msgspec.structs.replace(settings, webhook_allowed_networks=("127.0.0.0/8",))


def _data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()["data"]


def test_a_task_s_history_is_its_own_events_only(client: httpx.Client) -> None:
    task = _data(client.post("/v1/tasks", json={"title": "one"}), 201)["id"]
    other = _data(client.post("/v1/tasks", json={"title": "two"}), 201)["id"]
    client.put(f"/v1/tasks/{task}", json={"title": "one!"})
    client.put(f"/v1/tasks/{other}", json={"title": "two!"})
    history = all_pages(client, f"/v1/tasks/{task}/history", limit=1)
    assert types_of(history) == ["task.created", "task.updated"]
    assert {e["entity"]["id"] for e in history} == {task}
    later = _data(client.get(f"/v1/tasks/{task}/history", params={"after": history[0]["position"]}))
    assert types_of(later["events"]) == ["task.updated"]
    past_the_end = client.get(f"/v1/tasks/{task}/history", params={"after": 10**9})
    assert _data(past_the_end) == {"events": [], "next_after": None}


def test_an_escalation_s_history_shows_who_asked_and_who_decided(client: httpx.Client) -> None:
    task = _data(client.post("/v1/tasks", json={"title": "big"}), 201)["id"]
    opened = client.post("/v1/escalation/submit", json={"task_id": task, "reason": "hard"})
    escalation = _data(opened, 201)["escalation_id"]
    history = all_pages(client, f"/v1/escalations/{escalation}/history")
    assert types_of(history)[0] == "escalation.requested"
    assert history[0]["data"]["reason"] == "hard"
    assert {e["entity"]["id"] for e in history} == {escalation}


def test_a_budget_s_history_holds_its_definition_and_changes(client: httpx.Client) -> None:
    body = {"name": "team", "period": "daily", "limit": 10}
    budget = _data(client.post("/v1/budgets", json=body), 201)["id"]
    other = _data(client.post("/v1/budgets", json={**body, "name": "other"}), 201)["id"]
    client.put(f"/v1/budgets/{budget}", json={"limit": 20})
    client.put(f"/v1/budgets/{other}", json={"limit": 30})
    history = all_pages(client, f"/v1/budgets/{budget}/history")
    assert types_of(history) == ["budget.created", "budget.updated"]
    assert {e["entity"]["id"] for e in history} == {budget}
    assert history[1]["data"]["budget_id"] == budget


def test_a_budget_s_history_holds_the_spending_of_its_periods(client: httpx.Client) -> None:
    """Its ledgers' events are found though they name the budget only when opened."""
    budget = create_budget(client, name="Spend", limit=1_000)
    other = create_budget(client, name="Other", limit=1_000)
    task = create_task(client, **PLAIN)
    submit(client, task["id"])
    history = all_pages(client, f"/v1/budgets/{budget['id']}/history", limit=2)
    assert types_of(history) == ["budget.created", "budget.period_opened", "budget.reserved"]
    assert history[1]["data"]["budget_id"] == budget["id"]
    assert history[2]["data"]["task_id"] == task["id"]
    assert history[2]["entity"]["kind"] == "budget_ledger"
    theirs = all_pages(client, f"/v1/budgets/{other['id']}/history")
    assert types_of(theirs) == ["budget.created", "budget.period_opened", "budget.reserved"]
    assert {e["entity"]["id"] for e in theirs[1:]}.isdisjoint(e["entity"]["id"] for e in history)


def test_a_webhook_s_history_never_shows_its_secret(client: httpx.Client) -> None:
    body = {"url": "http://127.0.0.1:9/hook", "events": ["task.created"]}
    created = _data(client.post("/v1/webhooks", json=body), 201)
    rotated = _data(client.post(f"/v1/webhooks/{created['id']}/rotate-secret"))
    response = client.get(f"/v1/webhooks/{created['id']}/history")
    history = _data(response)["events"]
    assert types_of(history) == ["webhook.created", "webhook.secret_rotated"]
    for secret in (created["secret"], rotated["secret"]):
        assert secret not in response.text
    assert "sealed_secret" not in response.text


def test_a_user_s_history_shows_role_changes_but_no_password(client: httpx.Client) -> None:
    body = {"username": "dana", "password": PASSWORD, "roles": ["viewer"]}
    user = _data(client.post("/v1/users", json=body), 201)["id"]
    client.post(f"/v1/users/{user}/roles", json={"role": "auditor"})
    client.put(f"/v1/users/{user}/password", json={"password": PASSWORD + "2"})
    response = client.get(f"/v1/users/{user}/history")
    history = _data(response)["events"]
    assert types_of(history) == ["user.created", "user.role_granted", "user.password_changed"]
    assert history[1]["data"] == {"role": "auditor"}
    assert history[2]["data"] == {}
    assert "argon2" not in response.text and PASSWORD not in response.text


def test_agent_role_and_configuration_histories_record_each_change(client: httpx.Client) -> None:
    assert _data(client.get("/v1/configuration/history"))["events"] == []
    assert _data(client.get("/v1/configuration/agents/critic/history"))["events"] == []
    change = {"preferences": {"temperature": 0.4}}
    assert client.put("/v1/agents/critic/configuration", json=change).status_code == 200
    roles = all_pages(client, "/v1/configuration/agents/critic/history")
    assert {e["entity"]["id"] for e in roles} == {"critic"}
    assert types_of(roles)[-1] in ("agent_role.initialised", "agent_role.updated")
    client.put("/v1/configuration", json={"models": {"timeout": 120}})
    configuration = all_pages(client, "/v1/configuration/history")
    assert types_of(configuration)[-1] == "configuration.updated"
    assert configuration[-1]["data"]["changes"]["models.timeout"]["new"] == 120
    assert configuration[-1]["entity"] == {"kind": "configuration", "id": "system"}
    assert _data(client.get("/v1/configuration/agents/implementer/history"))["events"] == []


@pytest.mark.parametrize(
    ("path", "code", "field"),
    [
        (f"/v1/tasks/task_{UNKNOWN}/history", "TASK_NOT_FOUND", "task_id"),
        ("/v1/tasks/not-a-task/history", "TASK_NOT_FOUND", "task_id"),
        (f"/v1/escalations/esc_{UNKNOWN}/history", "NOT_FOUND", "escalation_id"),
        (f"/v1/budgets/budget_{UNKNOWN}/history", "NOT_FOUND", "budget_id"),
        (f"/v1/webhooks/webhook_{UNKNOWN}/history", "NOT_FOUND", "webhook_id"),
        (f"/v1/users/user_{UNKNOWN}/history", "NOT_FOUND", "user_id"),
        (f"/v1/users/task_{UNKNOWN}/history", "NOT_FOUND", "user_id"),
        ("/v1/configuration/agents/janitor/history", "NOT_FOUND", "role"),
    ],
)
def test_unknown_entities_have_no_history(
    client: httpx.Client, path: str, code: str, field: str
) -> None:
    assert_error(client.get(path), 404, code, field)


def test_history_parameters_are_bounded(client: httpx.Client) -> None:
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 1_001}, "limit"),
        ({"after": -1}, "after"),
    ):
        response = client.get("/v1/configuration/history", params=params)
        assert_error(response, 422, "VALIDATION_ERROR", field)
