"""Escalation decisions and budget alerts reach WebSocket subscribers in the spec's
`escalation_status` shape and webhook endpoints as `escalation.*` and `alert.*` deliveries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.commands.escalations import DecideEscalation, decide_escalation
from tests.builders.commands import Credential, make_budget, make_escalation
from tests.builders.http import create_task, create_webhook
from tests.e2e.agent_helpers import submit
from tests.fanout.helpers import deliveries
from tests.fanout.receiver import Receiver
from tests.fanout.wsclient import next_of, open_socket, subscribe

pytestmark = pytest.mark.both_stores  # fan-out wake-ups through each store


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_a_decision_is_pushed_as_escalation_status(
    kyros: Kyros, client: httpx.Client, base_url: str, admin: Credential
) -> None:
    task = create_task(client, title="Rename a helper")
    with open_socket(base_url, admin.key) as socket:
        subscribe(socket, ["escalation_status"])
        escalation_id = make_escalation(kyros, task["id"]).escalation_id
        requested = next_of(socket, "escalation_status")
        decide_escalation(
            kyros.app,
            kyros.catalog,
            DecideEscalation(
                escalation_id=escalation_id,
                decision="approved",
                actor="user_456",
                now=datetime.now(UTC),
            ),
        )
        approved = next_of(socket, "escalation_status")
    assert requested["data"]["status"] == "pending_approval"
    assert requested["data"]["target_model"] == "claude-4.1-opus"
    data = approved["data"]
    assert {k: data[k] for k in ("escalation_id", "task_id", "status", "approved_by")} == {
        "escalation_id": escalation_id,
        "task_id": task["id"],
        "status": "approved",
        "approved_by": "user_456",
    }
    assert data["approved_at"].endswith("Z")


def test_escalations_and_alerts_are_delivered_to_webhooks(
    kyros: Kyros, client: httpx.Client, receiver: Receiver
) -> None:
    events = ["escalation.requested", "escalation.rejected", "alert.raised"]
    hook = create_webhook(client, receiver.url, events)
    make_budget(kyros.app, "0.01", name="soft", enforcement="soft")
    task = create_task(client, title="Rename a helper", files_to_modify=["util.py"])
    submit(client, task["id"])  # reserves about 0.017 USD: past 80 % of the soft budget
    escalation_id = make_escalation(kyros, task["id"]).escalation_id
    decide_escalation(
        kyros.app,
        kyros.catalog,
        DecideEscalation(
            escalation_id=escalation_id,
            decision="rejected",
            actor="user_456",
            now=datetime.now(UTC),
        ),
    )

    got = receiver.wait_for(lambda received: len(received) >= 3)
    bodies = {r.payload["type"]: r.payload["data"] for r in got}
    assert sorted(bodies) == sorted(events)
    assert sorted(d["event_type"] for d in deliveries(client, hook["id"])) == sorted(events)
    assert bodies["alert.raised"]["type"] == "budget_threshold"
    assert bodies["escalation.rejected"]["rejected_by"] == "user_456"
