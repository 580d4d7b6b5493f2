"""Real answers of a seeded history validate against the schemas the server documents for them.

A task escalated to the premium model, approved, claimed, run and completed by an agent; a
second one failed; a soft budget whose reservation raises alerts; a webhook tested and
redelivered; then every read of that history. Each answer is checked with a JSON Schema
validator (jsonschema-rs, the one schemathesis uses) against the served document's schema for
its operation and status, `$ref`s resolved against the document's own components.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.http import agent_client, client_as
from tests.e2e.agent_helpers import USAGE
from tests.e2e.escalation_helpers import PLAIN
from tests.fanout.helpers import eventually
from tests.fanout.receiver import Receiver

SECURE = {  # routed to the premium model, so submitting it opens an escalation
    "title": "Implement OAuth2 login with SAML and JWT session tokens",
    "files_to_modify": ["auth/oauth2.py"],
}
METHODS = ("get", "put", "post", "delete", "patch")
# The operations whose answers used to be documented as a bare object; each must be checked.
ONCE_UNTYPED = {
    "ChangePassword",
    "DeleteWebhook",
    "TestWebhook",
    "RedeliverWebhookDelivery",
    "SelectModel",
    "SubmitTaskToAgent",
    "ClaimWork",
    "CompleteSubmission",
    "FailSubmission",
    "ReportSubmissionProgress",
    "SubmitEscalation",
    "DecideEscalation",
    "GetEscalationStatus",
    "DeleteBudget",
    "AcknowledgeAlert",
    "ResolveAlert",
    "GetAlerts",
    "ListEscalations",
    "ListWebhookDeliveries",
    "AgentHeartbeat",
    "GetSystemHealth",
    "GetConfiguration",
    "GetModel",
    "GetAgentStatus",
    "GetCostAnalysis",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Webhooks may reach the loopback receiver."""
    return msgspec.structs.replace(settings, webhook_allowed_networks=("127.0.0.0/8", "::1/128"))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


class Conformance:
    """Checks an answer against the documented schema of its operation and status."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.components = document["components"]
        self.routes = [
            (method.upper(), _pattern(path), path.count("{"), item[method])
            for path, item in document["paths"].items()
            for method in METHODS
            if method in item
        ]
        self.checked: set[str] = set()

    def __call__(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        operation = self._operation(response.request)
        documented = operation["responses"].get(str(status))
        assert documented is not None, (operation["operationId"], status)
        schema = documented["content"]["application/json"]["schema"]
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": self.components})
        answer = response.json()
        errors = [
            f"{'/'.join(map(str, e.instance_path))}: {e.message}"
            for e in validator.iter_errors(answer)
        ]
        assert errors == [], (operation["operationId"], errors)
        self.checked.add(operation["operationId"])
        return answer["data"]

    def _operation(self, request: httpx.Request) -> dict[str, Any]:
        path = request.url.path.rstrip("/")
        matches = [
            (params, operation)
            for method, pattern, params, operation in self.routes
            if method == request.method and pattern.fullmatch(path)
        ]
        assert matches, (request.method, path)
        return min(matches, key=lambda match: match[0])[1]


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template.rstrip("/"))
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def test_a_seeded_history_answers_exactly_as_the_document_says(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    anonymous: httpx.Client,
    receiver: Receiver,
) -> None:
    check = Conformance(anonymous.get("/v1/schema/openapi.json").json())
    budget = {"name": "Shoestring", "period": "daily", "limit": 0.01, "enforcement": "soft"}
    budget_id = check(client.post("/v1/budgets", json={**budget, "alert_threshold": 0.5}), 201)[
        "id"
    ]

    with client_as(kyros, base_url, "developer") as (developer, _):
        secure = check(developer.post("/v1/tasks", json=SECURE), 201)
        body = {"task_id": secure["id"], "context": {"ticket": "SEC-1"}}
        submitted = check(developer.post("/v1/agents/implementer/submit", json=body), 202)
    assert submitted["status"] == "awaiting_approval"
    escalation_id = submitted["escalation"]["escalation_id"]
    assert check(client.get(f"/v1/escalation/{escalation_id}/status"))["status"] == (
        "pending_approval"
    )
    decision = {"decision": "approved", "reason": "Security-critical", "approver_comments": "Go"}
    check(client.post(f"/v1/escalation/{escalation_id}/approve", json=decision))

    with agent_client(kyros, base_url) as agent:
        worker = {"role": "implementer", "capacity": 1, "name": "conformance"}
        agent_id = check(agent.post("/v1/agents/register", json=worker), 201)["agent_id"]
        held = check(agent.post(f"/v1/agents/{agent_id}/claim", params={"wait": 10}))
        submission = held["submission"]
        assert submission is not None and submission["task_id"] == secure["id"]
        reports = f"/v1/submissions/{submission['submission_id']}"
        step = {"completed_steps": 1, "total_steps": 3, "current_step": "Writing tests"}
        assert check(agent.post(f"{reports}/progress", json=step))["progress"] is not None
        leases = check(agent.post(f"/v1/agents/{agent_id}/heartbeat"))["leases"]
        assert leases == [submission["submission_id"]]
        usage = {**USAGE, "model": submission["model"]}
        done = {"results": {"files_modified": 1}, "usage": usage, "feedback": "Done"}
        assert check(agent.post(f"{reports}/complete", json=done))["status"] == "completed"

        plain = check(client.post("/v1/tasks", json=PLAIN), 201)
        check(client.post("/v1/agents/implementer/submit", json={"task_id": plain["id"]}), 202)
        failing = check(agent.post(f"/v1/agents/{agent_id}/claim", params={"wait": 10}))
        failed = f"/v1/submissions/{failing['submission']['submission_id']}/fail"
        assert check(agent.post(failed, json={"error": "No disk space"}))["status"] == "failed"
        nothing = check(agent.post(f"/v1/agents/{agent_id}/claim", params={"wait": 0}))
        assert nothing == {"submission": None}

    assert check(client.get(f"/v1/escalation/{escalation_id}/status"))["status"] == "completed"
    third = check(client.post("/v1/tasks", json={"title": "Rotate the signing keys"}), 201)
    asked = {"task_id": third["id"], "reason": "Key handling", "context": {"risk": "high"}}
    check(client.post("/v1/escalation/submit", json=asked), 201)
    check(client.get("/v1/escalations"))
    check(client.delete(f"/v1/tasks/{third['id']}"))
    for task_id in (secure["id"], plain["id"], third["id"]):
        check(client.get(f"/v1/tasks/{task_id}"))
    check(client.get("/v1/tasks"))

    alerts = check(client.get("/v1/monitoring/alerts"))["alerts"]
    assert alerts, "the soft budget's reservation raises a threshold alert"
    first, *rest = (alert["id"] for alert in alerts)
    check(client.post(f"/v1/monitoring/alerts/{first}/acknowledge", json={"note": "Seen"}))
    check(client.post(f"/v1/monitoring/alerts/{first}/resolve", json={"note": "Raised"}))
    for alert_id in rest:
        check(client.post(f"/v1/monitoring/alerts/{alert_id}/resolve"))
    check(client.get("/v1/monitoring/alerts"))
    check(client.get(f"/v1/budgets/{budget_id}"))
    check(client.delete(f"/v1/budgets/{budget_id}"))

    hook = {"url": receiver.url, "events": ["task.created"], "description": "Conformance"}
    webhook_id = check(client.post("/v1/webhooks", json=hook), 201)["id"]
    tested = check(client.post(f"/v1/webhooks/{webhook_id}/test"), 202)
    deliveries = f"/v1/webhooks/{webhook_id}/deliveries"

    def delivered() -> Any:
        listed = check(client.get(deliveries))["deliveries"]
        return [d for d in listed if d["id"] == tested["id"] and d["status"] == "delivered"]

    eventually(delivered)
    check(client.post(f"{deliveries}/{tested['id']}/redeliver"), 202)
    check(client.get(deliveries))
    check(client.delete(f"/v1/webhooks/{webhook_id}"))

    user = {"username": "conformance", "password": "a long enough password"}
    user_id = check(client.post("/v1/users", json=user), 201)["id"]
    check(client.put(f"/v1/users/{user_id}/password", json={"password": "another long one"}))

    select = {"task_description": "Fix the login redirect", "files_to_modify": ["auth.py"]}
    check(client.post("/v1/models/select", json=select))
    check(client.get("/v1/models"))
    check(client.get(f"/v1/models/{submission['model']}"))
    check(client.get("/v1/agents/implementer/status"))
    check(client.get("/v1/monitoring/costs", params={"group_by": "model,role,task_type,user"}))
    check(client.get("/v1/monitoring/costs"))
    check(client.get("/v1/monitoring/metrics"))
    check(client.get("/v1/monitoring/health"))
    check(client.get("/v1/configuration"))

    assert check.checked >= ONCE_UNTYPED, ONCE_UNTYPED - check.checked
