"""The Escalation API over a real socket: submit, decide, status and list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from ulid import ULID

from kyros.bootstrap import Kyros
from tests.builders.commands import Credential
from tests.builders.http import (
    agent_client,
    client_as,
    create_budget,
    create_task,
    escalate,
    register_agent,
)
from tests.e2e.agent_helpers import claim, complete, submit
from tests.e2e.escalation_helpers import (
    PLAIN,
    UNKNOWN_ESCALATION,
    body,
    configure,
    decide,
    status_of,
)
from tests.e2e.helpers import assert_error, get_task

SPEC_REQUEST = {
    "original_model": "glm-4.5",
    "target_model": "claude-4.1-opus",
    "reason": "Security-critical authentication implementation with OAuth2 and SAML integration",
    "context": {
        "security_impact": "high",
        "complexity_score": 0.85,
        "business_critical": True,
        "files_affected": ["auth.py", "security/"],
    },
    "estimated_cost": 15.00,
    "priority": "high",
}


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _total(client: httpx.Client) -> int:
    return int(body(client.get("/v1/escalations"))["pagination"]["total"])


def test_the_spec_clients_minimal_request_opens_an_escalation_awaiting_approval(
    client: httpx.Client,
) -> None:
    """The spec's Python and JavaScript clients send only task_id and reason."""
    task = create_task(client, **PLAIN)
    before = datetime.now(UTC)
    response = client.post(
        "/v1/escalation/submit", json={"task_id": task["id"], "reason": "Needs the big model"}
    )
    opened = body(response, 201)
    assert set(opened) == {
        "escalation_id",
        "task_id",
        "status",
        "submitted_at",
        "estimated_cost",
        "approval_required",
        "workflow_id",
        "rule",
    }
    assert opened["escalation_id"].startswith("esc_")
    assert opened["workflow_id"] == "wf_" + opened["escalation_id"].removeprefix("esc_")
    assert opened["task_id"] == task["id"]
    assert (opened["status"], opened["approval_required"]) == ("pending_approval", True)
    assert opened["rule"].startswith("approval required: confidence")
    assert isinstance(opened["estimated_cost"], Decimal) and opened["estimated_cost"] > 0
    assert before - timedelta(seconds=1) <= _moment(opened["submitted_at"]) <= datetime.now(UTC)
    view = status_of(client, opened["escalation_id"])
    assert (view["original_model"], view["target_model"]) == ("glm-4.5", "claude-4.1-opus")
    assert view["estimated_cost"] == opened["estimated_cost"]
    assert view["submitted_at"] == opened["submitted_at"]
    assert view["priority"] == "medium"  # the task's
    assert get_task(client, task["id"])["status"] == "pending"


def test_the_status_view_carries_every_field_through_approval_and_completion(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential
) -> None:
    task = create_task(client, **PLAIN)
    opened = escalate(client, task["id"], **SPEC_REQUEST)
    assert opened["estimated_cost"] == Decimal("15.00")
    view = status_of(client, opened["escalation_id"])
    submitted = _moment(view["submitted_at"])
    assert _moment(view["expires_at"]) - submitted == pytest.approx(
        timedelta(minutes=1440), abs=timedelta(seconds=2)
    )
    assert 0 <= view.pop("confidence") <= 1
    assert view == {
        "escalation_id": opened["escalation_id"],
        "workflow_id": opened["workflow_id"],
        "task_id": task["id"],
        "status": "pending_approval",
        "original_model": "glm-4.5",
        "target_model": "claude-4.1-opus",
        "fallback_model": "glm-4.5",
        "reason": SPEC_REQUEST["reason"],
        "context": {**SPEC_REQUEST["context"], "complexity_score": Decimal("0.85")},
        "priority": "high",
        "estimated_cost": Decimal("15.00"),
        "actual_cost": None,
        "requested_by": admin.id,
        "submitted_at": view["submitted_at"],
        "expires_at": view["expires_at"],
        "approval_required": True,
        "auto_approved": False,
        "rule": opened["rule"],  # why it waits for a person
        "decided_at": None,
        "decided_by": None,
        "decision_reason": None,
        "approver_comments": None,
        "approved_at": None,
        "approved_by": None,
        "rejected_at": None,
        "expired_at": None,
        "withdrawn_at": None,
        "withdrawal_reason": None,
        "completed_at": None,
        "result": None,
        "overdue_alert_id": None,
    }

    with client_as(kyros, base_url, "approver") as (approver, key):
        approved = body(
            decide(
                approver,
                opened["escalation_id"],
                "approved",
                reason="Security-critical task with high business impact",
                approver_comments="Approved due to security complexity",
            )
        )
    assert approved["status"] == "approved"
    assert approved["approved_by"] == approved["decided_by"] == key.id
    assert approved["approved_at"] == approved["decided_at"]
    assert _moment(approved["approved_at"]) >= submitted
    assert approved["decision_reason"] == "Security-critical task with high business impact"
    assert approved["approver_comments"] == "Approved due to security complexity"
    assert approved["rejected_at"] is None
    assert status_of(client, opened["escalation_id"]) == approved

    # The approval lets the task run on the target model without asking again.
    submitted_work = submit(client, task["id"])
    assert (submitted_work["status"], submitted_work["model_assigned"]) == (
        "accepted",
        "claude-4.1-opus",
    )
    with agent_client(kyros, base_url) as agent:
        held = claim(agent, register_agent(agent), wait=5)
        assert held["model"] == "claude-4.1-opus"
        done = complete(agent, held["submission_id"], model="claude-4.1-opus")
        assert done.status_code == 200, done.text
    cost = Decimal(str(get_task(client, task["id"])["metadata"]["cost"]))
    final = status_of(client, opened["escalation_id"])
    assert final["status"] == "completed"
    assert final["actual_cost"] == cost
    assert isinstance(final["result"], str) and final["result"]
    assert _moment(final["completed_at"]) >= _moment(final["approved_at"])


def test_a_requester_cannot_decide_their_own_escalation(client: httpx.Client) -> None:
    task = create_task(client, **PLAIN)
    opened = escalate(client, task["id"])
    assert_error(decide(client, opened["escalation_id"], "approved"), 403, "FORBIDDEN", "decision")
    assert status_of(client, opened["escalation_id"])["status"] == "pending_approval"


def test_an_approver_rejects_and_the_escalation_cannot_be_decided_again(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    opened = escalate(client, task["id"])
    with client_as(kyros, base_url, "approver") as (approver, key):
        rejected = body(
            decide(approver, opened["escalation_id"], "rejected", reason="Not worth it")
        )
        assert rejected["status"] == "rejected"
        assert (rejected["decided_by"], rejected["decision_reason"]) == (key.id, "Not worth it")
        assert rejected["rejected_at"] == rejected["decided_at"] is not None
        assert (rejected["approved_at"], rejected["approved_by"]) == (None, None)
        for decision in ("approved", "rejected"):
            assert_error(
                decide(approver, opened["escalation_id"], decision),
                409,
                "ESCALATION_ALREADY_DECIDED",
                "decision",
            )
    assert status_of(client, opened["escalation_id"]) == rejected


def test_an_approved_escalation_cannot_be_decided_twice(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    opened = escalate(client, task["id"])
    with client_as(kyros, base_url, "approver") as (approver, _):
        assert decide(approver, opened["escalation_id"], "approved").status_code == 200
        again = decide(approver, opened["escalation_id"], "approved")
        assert_error(again, 409, "ESCALATION_ALREADY_DECIDED", "decision")


def test_unknown_or_malformed_escalation_ids_are_not_found(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    for escalation_id in (UNKNOWN_ESCALATION, "nope", f"task_{ULID()}", "esc_%00"):
        found = client.get(f"/v1/escalation/{escalation_id}/status")
        assert_error(found, 404, "NOT_FOUND", "escalation_id")
        with client_as(kyros, base_url, "approver") as (approver, _):
            decided = decide(approver, escalation_id, "approved")
            assert_error(decided, 404, "NOT_FOUND", "escalation_id")
    unknown_task = client.post(
        "/v1/escalation/submit", json={"task_id": "task_01ARZ3NDEKTSV4RRFFQ69G5FAV", "reason": "x"}
    )
    assert_error(unknown_task, 404, "TASK_NOT_FOUND", "task_id")
    assert _total(client) == 0


@pytest.mark.parametrize(
    ("change", "field", "status", "code"),
    [
        ({"reason": None}, "reason", 422, "VALIDATION_ERROR"),
        ({"task_id": None}, "task_id", 422, "VALIDATION_ERROR"),
        ({"reason": ""}, "reason", 422, "VALIDATION_ERROR"),
        ({"reason": "   "}, "reason", 422, "VALIDATION_ERROR"),
        ({"reason": "x" * 2001}, "reason", 422, "VALIDATION_ERROR"),
        ({"estimated_cost": -1}, "estimated_cost", 422, "VALIDATION_ERROR"),
        ({"estimated_cost": 1_000_000.01}, "estimated_cost", 422, "VALIDATION_ERROR"),
        ({"estimated_cost": "lots"}, "estimated_cost", 422, "VALIDATION_ERROR"),
        ({"estimated_cost": 0.0000001}, "estimated_cost", 422, "VALIDATION_ERROR"),
        ({"estimated_cost": True}, "estimated_cost", 422, "VALIDATION_ERROR"),
        ({"priority": "urgent"}, "priority", 422, "VALIDATION_ERROR"),
        ({"context": ["not", "an", "object"]}, "context", 422, "VALIDATION_ERROR"),
        ({"context": {f"k{i}": i for i in range(51)}}, "context", 422, "VALIDATION_ERROR"),
        ({"context": {"deep": "nul\x00"}}, "context.deep", 422, "VALIDATION_ERROR"),
        ({"surprise": 1}, "surprise", 422, "VALIDATION_ERROR"),
        ({"target_model": "gpt-99"}, "target_model", 404, "NOT_FOUND"),
        ({"original_model": "gpt-99"}, "original_model", 404, "NOT_FOUND"),
        ({"target_model": "glm-4.5"}, "target_model", 422, "VALIDATION_ERROR"),
    ],
)
def test_bad_submissions_name_the_field_and_change_nothing(
    client: httpx.Client, change: dict[str, object], field: str, status: int, code: str
) -> None:
    task = create_task(client, **PLAIN)
    payload = {"task_id": task["id"], "reason": "Needs the big model", **change}
    payload = {k: v for k, v in payload.items() if v is not None}
    response = client.post("/v1/escalation/submit", json=payload)
    error = assert_error(response, status, code, field)
    if field == "priority":
        assert error["error"]["details"]["issue"] == "Must be one of: low, medium, high, critical"
    assert _total(client) == 0
    assert get_task(client, task["id"])["status"] == "pending"


def test_a_malformed_body_is_refused_naming_the_body(client: httpx.Client) -> None:
    response = client.post(
        "/v1/escalation/submit", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, "VALIDATION_ERROR", "body")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "decision"),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "approved", "reason": ""}, "reason"),
        ({"decision": "approved", "approver_comments": "x" * 5001}, "approver_comments"),
        ({"decision": "approved", "extra": True}, "extra"),
    ],
)
def test_bad_decisions_name_the_field_and_leave_the_escalation_pending(
    kyros: Kyros, base_url: str, client: httpx.Client, payload: dict[str, object], field: str
) -> None:
    task = create_task(client, **PLAIN)
    opened = escalate(client, task["id"])
    with client_as(kyros, base_url, "approver") as (approver, _):
        response = approver.post(f"/v1/escalation/{opened['escalation_id']}/approve", json=payload)
    error = assert_error(response, 422, "VALIDATION_ERROR", field)
    if payload.get("decision") == "maybe":
        assert error["error"]["details"]["issue"] == "Must be one of: approved, rejected"
    assert status_of(client, opened["escalation_id"])["status"] == "pending_approval"


def test_completed_and_cancelled_tasks_cannot_be_escalated(client: httpx.Client) -> None:
    done = create_task(client, **PLAIN)
    for status in ("in_progress", "completed"):
        moved = client.put(f"/v1/tasks/{done['id']}", json={"status": status})
        assert moved.status_code == 200, moved.text
    cancelled = create_task(client, **PLAIN)
    assert client.delete(f"/v1/tasks/{cancelled['id']}").status_code == 200
    for task in (done, cancelled):
        response = client.post(
            "/v1/escalation/submit", json={"task_id": task["id"], "reason": "Too late"}
        )
        assert_error(response, 409, "INVALID_STATE", "status")
    assert _total(client) == 0


def test_a_second_escalation_waits_for_the_first_to_be_decided(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    first = escalate(client, task["id"])
    again = client.post("/v1/escalation/submit", json={"task_id": task["id"], "reason": "Again"})
    error = assert_error(again, 409, "ESCALATION_PENDING", "task_id")
    assert first["escalation_id"] in error["error"]["details"]["issue"]
    assert _total(client) == 1
    with client_as(kyros, base_url, "approver") as (approver, _):
        assert decide(approver, first["escalation_id"], "rejected").status_code == 200
    second = escalate(client, task["id"])  # decided: a new request may follow
    assert second["escalation_id"] != first["escalation_id"]


def test_the_rules_approve_automatically_when_approval_is_not_required(
    client: httpx.Client,
) -> None:
    configure(client, approval_required=False)
    task = create_task(client, **PLAIN)
    opened = escalate(client, task["id"])
    assert (opened["status"], opened["approval_required"]) == ("approved", False)
    assert opened["rule"] == "auto-approved: approval not required"
    view = status_of(client, opened["escalation_id"])
    assert (view["status"], view["auto_approved"], view["approval_required"]) == (
        "approved",
        True,
        False,
    )
    assert (view["approved_by"], view["rule"]) == ("system", opened["rule"])
    assert view["approved_at"] is not None


def test_the_rules_approve_within_every_threshold_and_not_past_the_daily_maximum(
    client: httpx.Client,
) -> None:
    configure(client, auto_approve_threshold=0, cost_threshold=1000, max_daily_escalations=1)
    first = escalate(client, create_task(client, **PLAIN)["id"])
    assert (first["status"], first["rule"]) == ("approved", "auto-approved: within every rule")
    over_cost = escalate(client, create_task(client, **PLAIN)["id"], estimated_cost=5000)
    assert over_cost["status"] == "pending_approval"
    assert "daily maximum" in over_cost["rule"]
    assert "exceeds the 1000 threshold" in over_cost["rule"]


def test_a_hard_budget_that_could_never_fund_it_rejects_the_escalation(
    client: httpx.Client,
) -> None:
    create_budget(client, name="Premium", limit=1, scope="model", scope_value="claude-4.1-opus")
    task = create_task(client, **PLAIN)
    response = client.post(
        "/v1/escalation/submit",
        json={"task_id": task["id"], "reason": "Big", "estimated_cost": 15},
    )
    assert_error(response, 400, "ESCALATION_REJECTED", "estimated_cost")
    assert _total(client) == 0


def test_approval_that_a_hard_budget_cannot_fund_is_refused_and_changes_nothing(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    assert submit(client, task["id"])["status"] == "accepted"
    opened = escalate(client, task["id"], estimated_cost=15)
    assert get_task(client, task["id"])["status"] == "awaiting_approval"
    create_budget(client, name="Premium", limit=1, scope="model", scope_value="claude-4.1-opus")
    with client_as(kyros, base_url, "approver") as (approver, _):
        refused = decide(approver, opened["escalation_id"], "approved")
    assert_error(refused, 409, "BUDGET_EXCEEDED", "estimated_cost")
    assert status_of(client, opened["escalation_id"])["status"] == "pending_approval"
    assert get_task(client, task["id"])["status"] == "awaiting_approval"


def test_cancelling_the_task_withdraws_its_pending_escalation(client: httpx.Client) -> None:
    task = create_task(client, **PLAIN)
    opened = escalate(client, task["id"])
    assert client.delete(f"/v1/tasks/{task['id']}", params={}).status_code == 200
    view = status_of(client, opened["escalation_id"])
    assert view["status"] == "withdrawn"
    assert view["withdrawn_at"] is not None and view["withdrawal_reason"]


@pytest.mark.both_stores  # filters and paging are read-model SQL
def test_the_list_filters_by_status_task_and_dates_newest_first_with_pagination(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    tasks = [create_task(client, **PLAIN)["id"] for _ in range(3)]
    ids = [escalate(client, task)["escalation_id"] for task in tasks]
    with client_as(kyros, base_url, "approver") as (approver, _):
        assert decide(approver, ids[0], "approved").status_code == 200
        assert decide(approver, ids[1], "rejected").status_code == 200

    def listed(**params: object) -> list[str]:
        found = body(client.get("/v1/escalations", params=params))
        return [e["escalation_id"] for e in found["escalations"]]

    assert listed() == ids[::-1]
    assert listed(status="pending") == [ids[2]]
    assert listed(status="pending_approval") == [ids[2]]
    assert listed(status="approved,rejected") == [ids[1], ids[0]]
    assert listed(status="completed") == []
    assert listed(task_id=tasks[1]) == [ids[1]]
    assert listed(task_id=tasks[1], status="approved") == []
    today = datetime.now(UTC).date()
    assert listed(from_date=today.isoformat(), to_date=today.isoformat()) == ids[::-1]
    assert listed(from_date=(today + timedelta(days=1)).isoformat()) == []
    assert listed(to_date=(today - timedelta(days=1)).isoformat()) == []
    second = status_of(client, ids[1])["submitted_at"]
    assert listed(from_date=second) == [ids[2], ids[1]]
    assert listed(to_date=second) == [ids[1], ids[0]]
    assert listed(from_date=second, to_date=second) == [ids[1]]

    page = body(client.get("/v1/escalations", params={"limit": 2}))
    assert [e["escalation_id"] for e in page["escalations"]] == [ids[2], ids[1]]
    assert page["pagination"] == {"total": 3, "limit": 2, "offset": 0, "has_more": True}
    rest = body(client.get("/v1/escalations", params={"limit": 2, "offset": 2}))
    assert [e["escalation_id"] for e in rest["escalations"]] == [ids[0]]
    assert rest["pagination"] == {"total": 3, "limit": 2, "offset": 2, "has_more": False}
    assert rest["escalations"][0] == status_of(client, ids[0])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"status": ","}, "status"),
        ({"task_id": "nope"}, "task_id"),
        ({"task_id": "task_\u0000"}, "task_id"),
        ({"from_date": "yesterday"}, "from_date"),
        ({"to_date": "2024-13-01"}, "to_date"),
        ({"from_date": "2024-02-02", "to_date": "2024-02-01"}, "to_date"),
        ({"from_date": "2024-02-01T10:00:00Z", "to_date": "2024-02-01T09:59:59Z"}, "to_date"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_list_filters_name_the_parameter(
    client: httpx.Client, params: dict[str, object], field: str
) -> None:
    assert_error(client.get("/v1/escalations", params=params), 422, "VALIDATION_ERROR", field)


@pytest.mark.both_stores  # date comparisons are read-model SQL
def test_date_filters_accept_a_whole_day_and_offsets(client: httpx.Client) -> None:
    ok = client.get(
        "/v1/escalations",
        params={"from_date": "2024-02-01", "to_date": "2024-02-01T23:00:00+02:00"},
    )
    assert body(ok)["escalations"] == []
