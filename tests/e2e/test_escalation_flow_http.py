"""The escalation workflow end to end over HTTP: a premium-routed submission waits for an
approver; approved work runs on the premium model and its actual cost settles against the
budget; rejected work runs on the fallback model."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import Credential, make_api_key
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, expected_cost
from tests.e2e.helpers import get_task
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores  # the whole money path, end to end, on each store

SECURE = {
    "title": "Implement OAuth2 login with SAML and JWT session tokens",
    "files_to_modify": ["auth/oauth2.py"],
}
OPUS = ("0.015", "0.075", "0.0015")  # the catalog's claude-4.1-opus prices per 1,000 tokens
GLM = ("0.001", "0.002", "0.0001")


@pytest.fixture
def developer(kyros: Kyros, base_url: str) -> Iterator[httpx.Client]:
    key = make_api_key(kyros, "developer", name="dev").key
    headers = {"Authorization": f"Bearer {key}"}
    with http_client(base_url=base_url, timeout=30, headers=headers) as http:
        yield http


@pytest.fixture
def approver_key(kyros: Kyros) -> Credential:
    return make_api_key(kyros, "approver", name="approver")


@pytest.fixture
def approver(base_url: str, approver_key: Credential) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {approver_key.key}"}
    with http_client(base_url=base_url, timeout=30, headers=headers) as http:
        yield http


def _pending(client: httpx.Client, developer: httpx.Client) -> tuple[str, str]:
    """A premium-routed submission by a developer; returns (task id, escalation id)."""
    task = create_task(developer, **SECURE)
    submitted = data(
        developer.post("/v1/agents/implementer/submit", json={"task_id": task["id"]}), 202
    )
    assert (submitted["status"], submitted["model_assigned"]) == (
        "awaiting_approval",
        "claude-4.1-opus",
    )
    escalation = submitted["escalation"]
    assert (escalation["status"], escalation["approval_required"]) == ("pending_approval", True)
    return task["id"], escalation["escalation_id"]


def _run(kyros: Kyros, base_url: str, model: str) -> tuple[dict[str, Any], Decimal]:
    """An agent claims the one queued submission, checks its model, completes it."""
    usage = {"model": model, "input_tokens": 40_000, "output_tokens": 6_000, "cached_tokens": 0}
    with agent_client(kyros, base_url) as agent:
        held = claim(agent, register_agent(agent))
        assert held is not None and held["model"] == model
        assert complete(agent, held["submission_id"], **usage).status_code == 200
    prices = OPUS if model == "claude-4.1-opus" else GLM
    return held, expected_cost(usage, *prices)


def test_an_approved_escalation_runs_on_premium_and_settles_its_actual_cost(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    developer: httpx.Client,
    approver: httpx.Client,
    approver_key: Credential,
) -> None:
    budget = data(
        client.post("/v1/budgets", json={"name": "Daily", "period": "daily", "limit": 50}), 201
    )
    task_id, escalation_id = _pending(client, developer)
    assert developer.get(f"/v1/escalation/{escalation_id}/status").json()["data"]["status"] == (
        "pending_approval"
    )
    task = get_task(client, task_id)
    assert task["escalation"] == {"escalation_id": escalation_id, "status": "pending_approval"}
    assert task["budget_reservation"] is None  # nothing is held before the decision

    body = {"decision": "approved", "reason": "Security-critical", "approver_comments": "Go"}
    decided = data(approver.post(f"/v1/escalation/{escalation_id}/approve", json=body))
    assert (decided["status"], decided["approved_by"]) == ("approved", approver_key.id)
    task = get_task(client, task_id)
    assert task["status"] == "queued"
    assert task["escalation"] == {"escalation_id": escalation_id, "status": "approved"}
    held = task["budget_reservation"]
    assert (held["model"], held["budgets"]) == ("claude-4.1-opus", 1)
    assert Decimal(str(held["amount"])) == Decimal(str(decided["estimated_cost"]))

    _, cost = _run(kyros, base_url, "claude-4.1-opus")

    status = data(developer.get(f"/v1/escalation/{escalation_id}/status"))
    assert status["status"] == "completed"
    # 40k input tokens at 0.015 per 1k plus 6k output tokens at 0.075 per 1k:
    assert Decimal(str(status["actual_cost"])) == cost == Decimal("1.05")
    assert get_task(client, task_id)["budget_reservation"] is None
    period = data(client.get(f"/v1/budgets/{budget['id']}"))["current_period"]
    assert (Decimal(str(period["spent"])), Decimal(str(period["reserved"]))) == (cost, 0)


def test_a_rejected_escalation_runs_on_the_fallback_model(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    developer: httpx.Client,
    approver: httpx.Client,
) -> None:
    task_id, escalation_id = _pending(client, developer)
    body = {"decision": "rejected", "reason": "Not worth it"}
    assert data(approver.post(f"/v1/escalation/{escalation_id}/approve", json=body))["status"] == (
        "rejected"
    )

    _, cost = _run(kyros, base_url, "glm-4.5")

    assert get_task(client, task_id)["status"] == "completed"
    assert cost == Decimal("0.052")  # 40k in at 0.001 + 6k out at 0.002
    assert data(client.get(f"/v1/escalation/{escalation_id}/status"))["status"] == "rejected"


def test_a_developer_cannot_decide_and_the_escalation_stays_pending(
    client: httpx.Client, developer: httpx.Client
) -> None:
    task_id, escalation_id = _pending(client, developer)
    refused = developer.post(
        f"/v1/escalation/{escalation_id}/approve", json={"decision": "approved"}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "FORBIDDEN")
    assert data(client.get(f"/v1/escalation/{escalation_id}/status"))["status"] == (
        "pending_approval"
    )
    assert get_task(client, task_id)["status"] == "awaiting_approval"
