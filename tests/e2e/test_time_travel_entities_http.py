"""Every single-entity read answers as of a past instant and log position with what its live
read said then (captured live, over a real socket, on both stores)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.http import agent_client, client_as, create_task
from tests.e2e.agent_helpers import claim, complete
from tests.e2e.escalation_helpers import PLAIN, decide
from tests.e2e.helpers import assert_error

pytestmark = pytest.mark.both_stores  # the replay reads each store's log table in plain SQL

POSITION, MIN_POSITION = "X-Kyros-Position", "X-Kyros-Min-Position"
Seen = list[tuple[str, int, Any]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Webhooks to loopback are allowed (none is delivered: no subscribed event happens)."""
    return msgspec.structs.replace(settings, webhook_allowed_networks=("127.0.0.0/8",))


def _data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


class Recorder:
    """After each write, what the live read of `path` said, with an instant just after the
    read and the write's log position."""

    def __init__(self, client: httpx.Client, path: str = "") -> None:
        self.client, self.path, self.seen = client, path, []  # type: ignore[var-annotated]
        self.before = datetime.now(UTC).isoformat()

    def after(self, write: httpx.Response) -> Any:
        assert write.status_code in (200, 201, 202), write.text
        position = int(write.headers[POSITION])
        live = self.client.get(self.path, headers={MIN_POSITION: str(position)})
        self.seen.append((datetime.now(UTC).isoformat(), position, _data(live)))
        return write.json()["data"]

    def check_past(self, reader: httpx.Client | None = None) -> None:
        """Every captured answer, read again as of its instant and as of its position."""
        reader = reader or self.client
        assert len({str(live) for _, _, live in self.seen}) == len(self.seen)  # all differ
        for instant, position, live in self.seen:
            assert _data(reader.get(self.path, params={"as_of": instant})) == live
            assert _data(reader.get(self.path, params={"as_of_position": position})) == live


def test_an_escalation_status_reads_as_it_stood_before_and_after_its_decision(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    recorder = Recorder(client)
    opened = client.post(
        "/v1/escalation/submit", json={"task_id": task["id"], "reason": "Security-critical"}
    )
    escalation_id = opened.json()["data"]["escalation_id"]
    recorder.path = f"/v1/escalation/{escalation_id}/status"
    recorder.after(opened)
    with client_as(kyros, base_url, "approver") as (approver, _):
        recorder.after(decide(approver, escalation_id, "approved", reason="Worth it"))
    recorder.check_past()
    before = client.get(recorder.path, params={"as_of": recorder.before})
    assert_error(before, 404, "NOT_FOUND")


def test_a_budget_reads_with_its_period_ledger_as_it_stood_at_each_point(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    recorder = Recorder(client)
    created = client.post("/v1/budgets", json={"name": "Daily", "period": "daily", "limit": 100})
    budget_id = created.json()["data"]["id"]
    recorder.path = f"/v1/budgets/{budget_id}"
    recorder.after(created)
    recorder.after(client.put(recorder.path, json={"limit": 50, "name": "Half"}))
    task = create_task(client, **PLAIN)
    submitted = client.post("/v1/agents/implementer/submit", json={"task_id": task["id"]})
    recorder.after(submitted)  # a reservation held on the period's ledger
    with agent_client(kyros, base_url) as agent:
        register = agent.post(
            "/v1/agents/register", json={"role": "implementer", "capacity": 1, "name": "w"}
        )
        claimed = claim(agent, register.json()["data"]["agent_id"], wait=5)
        recorder.after(complete(agent, claimed["submission_id"]))  # settled: spent
    periods = [live["current_period"] for _, _, live in recorder.seen]
    assert periods[2]["open_reservations"] == 1 and periods[3]["spent"] > 0
    recorder.check_past()
    deleted = client.delete(recorder.path)
    assert deleted.status_code == 200
    assert_error(client.get(recorder.path), 404, "NOT_FOUND", "budget_id")
    recorder.check_past()  # a deleted budget still reads as it was
    before = client.get(recorder.path, params={"as_of": recorder.before})
    assert_error(before, 404, "NOT_FOUND", "budget_id")


def test_the_configuration_reads_as_it_stood_before_and_after_each_change(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    recorder = Recorder(client, "/v1/configuration")
    recorder.seen.append((datetime.now(UTC).isoformat(), 0, _data(client.get(recorder.path))))
    for minutes in (7, 9):
        patch = {"escalation": {"pending_alert_minutes": minutes}}
        recorder.after(client.put(recorder.path, json=patch))
    with client_as(kyros, base_url, "auditor") as (auditor, _):  # read_configuration + read_audit
        recorder.check_past(auditor)
    with client_as(kyros, base_url, "approver") as (approver, _):  # neither
        refused = approver.get(recorder.path, params={"as_of_position": 0})
        assert_error(refused, 403, "FORBIDDEN")


@pytest.mark.parametrize(
    "path", ["/v1/agents/critic/configuration", "/v1/configuration/agents/critic"]
)
def test_an_agent_role_configuration_reads_as_it_stood_at_each_point(
    client: httpx.Client, path: str
) -> None:
    recorder = Recorder(client, path)
    recorder.seen.append((datetime.now(UTC).isoformat(), 0, _data(client.get(path))))
    recorder.after(client.put("/v1/agents/critic/configuration", json={"enabled": False}))
    patch = {"preferences": {"temperature": 0.5}}
    recorder.after(client.put("/v1/agents/critic/configuration", json=patch))
    recorder.check_past()


def test_a_webhook_reads_as_it_stood_until_and_after_its_deletion(client: httpx.Client) -> None:
    recorder = Recorder(client)
    made = client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["alert.raised"]}
    )
    webhook_id = made.json()["data"]["id"]
    recorder.path = f"/v1/webhooks/{webhook_id}"
    recorder.after(made)
    recorder.after(client.put(recorder.path, json={"description": "audited", "status": "paused"}))
    assert client.delete(recorder.path).status_code == 200
    assert_error(client.get(recorder.path), 404, "NOT_FOUND")
    recorder.check_past()
    for live in (s[2] for s in recorder.seen):
        assert "secret" not in live


def test_a_user_reads_as_they_stood_at_each_point(client: httpx.Client) -> None:
    recorder = Recorder(client)
    made = client.post("/v1/users", json={"username": "ada", "password": "a long enough pw"})
    user_id = made.json()["data"]["id"]
    recorder.path = f"/v1/users/{user_id}"
    recorder.after(made)
    recorder.after(client.post(f"{recorder.path}/roles", json={"role": "auditor"}))
    recorder.after(client.post(f"{recorder.path}/disable"))
    recorder.check_past()
    before = client.get(recorder.path, params={"as_of": recorder.before})
    assert_error(before, 404, "NOT_FOUND")
