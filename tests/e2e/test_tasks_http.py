"""The Task Management API over a real socket: create, read, update, cancel."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest

from tests.builders.commands import Credential
from tests.builders.http import create_task
from tests.e2e.helpers import SPEC_TASK, assert_error, get_task, spec_task

REQUEST_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")
TASK_ID = re.compile(r"^task_[0-9A-HJKMNP-TV-Z]{26}$")


# --- create and read ---------------------------------------------------------------------


def test_creating_the_spec_example_returns_201_in_the_success_envelope(
    client: httpx.Client,
) -> None:
    response = client.post("/v1/tasks", json=SPEC_TASK)

    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"success", "data", "message", "timestamp", "request_id"}
    assert body["success"] is True
    assert body["timestamp"].endswith("Z")
    datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    assert REQUEST_ID.match(body["request_id"])
    assert response.headers["x-request-id"] == body["request_id"]


def test_the_created_task_carries_the_spec_response_fields(
    client: httpx.Client, admin: Credential
) -> None:
    data = client.post("/v1/tasks", json=SPEC_TASK).json()["data"]

    assert TASK_ID.match(data["id"])
    assert data["status"] == "pending"
    assert data["created_by"] == admin.id
    assert data["title"] == SPEC_TASK["title"]
    assert data["assignee_role"] == "implementer"
    assert data["priority"] == "high"
    assert data["estimated_hours"] == 8
    assert data["deadline"] == "2024-01-20T23:59:59Z"
    assert data["created_at"].endswith("Z")


def test_a_deadline_with_another_offset_comes_back_in_utc(client: httpx.Client) -> None:
    data = create_task(client, deadline="2024-01-21T01:59:59+02:00")
    assert data["deadline"] == "2024-01-20T23:59:59Z"


def test_every_request_gets_its_own_generated_request_id(client: httpx.Client) -> None:
    first = client.get("/v1/tasks")
    second = client.get("/v1/tasks")
    assert REQUEST_ID.match(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.json()["request_id"] == first.headers["x-request-id"]


def test_a_sane_incoming_request_id_is_echoed_in_header_and_body(client: httpx.Client) -> None:
    response = client.post(
        "/v1/tasks", json=spec_task(), headers={"X-Request-ID": "trace-42.a:b_C"}
    )
    assert response.status_code == 201
    assert response.headers["x-request-id"] == "trace-42.a:b_C"
    assert response.json()["request_id"] == "trace-42.a:b_C"


@pytest.mark.parametrize(
    "incoming", ["a" * 300, "has spaces in it", "semi;colon", ""], ids=["long", "spaces", ";", ""]
)
def test_an_insane_incoming_request_id_is_replaced_by_a_fresh_one(
    client: httpx.Client, incoming: str
) -> None:
    response = client.get("/v1/tasks", headers={"X-Request-ID": incoming})
    assert response.status_code == 200
    assert REQUEST_ID.match(response.headers["x-request-id"])
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_getting_a_task_returns_the_full_view(client: httpx.Client, admin: Credential) -> None:
    created = client.post("/v1/tasks", json=SPEC_TASK).json()["data"]

    response = client.get(f"/v1/tasks/{created['id']}")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert response.headers["x-request-id"] == body["request_id"]
    data = body["data"]
    for field in (
        "title",
        "description",
        "type",
        "priority",
        "assignee_role",
        "files_to_modify",
        "acceptance_criteria",
        "dependencies",
        "tags",
        "deadline",
        "metadata",
    ):
        assert data[field] == SPEC_TASK[field], field
    assert data["id"] == created["id"]
    assert data["status"] == "pending"
    assert data["created_by"] == admin.id
    assert data["created_at"] == created["created_at"]
    assert data["updated_at"].endswith("Z")
    assert data["assigned_to"] is None
    assert data["progress"] is None
    assert data["results"] is None
    assert data["version"] == 1


def test_a_minimal_task_gets_the_documented_defaults(client: httpx.Client) -> None:
    data = create_task(client, title="Only a title")
    assert data["type"] == "implementation"
    assert data["priority"] == "medium"
    assert data["assignee_role"] is None
    assert data["tags"] == []
    assert data["deadline"] is None
    assert data["metadata"] == {}
    assert data["estimated_hours"] is None


# --- update ------------------------------------------------------------------------------


def test_a_put_edits_the_given_fields_and_leaves_the_rest(client: httpx.Client) -> None:
    task = client.post("/v1/tasks", json=SPEC_TASK).json()["data"]

    response = client.put(
        f"/v1/tasks/{task['id']}",
        json={
            "title": "Implement SSO",
            "priority": "critical",
            "tags": ["sso"],
            "metadata": {"estimated_hours": 13, "complexity": "high"},
        },
    )

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["title"] == "Implement SSO"
    assert data["priority"] == "critical"
    assert data["tags"] == ["sso"]
    assert data["metadata"] == {"estimated_hours": 13, "complexity": "high"}
    assert data["estimated_hours"] == 13
    assert data["description"] == SPEC_TASK["description"]
    assert data["deadline"] == SPEC_TASK["deadline"]
    assert data["status"] == "pending"
    assert data["version"] == 2
    assert get_task(client, task["id"]) == data


def test_a_null_deadline_in_a_put_clears_the_deadline(client: httpx.Client) -> None:
    task = client.post("/v1/tasks", json=SPEC_TASK).json()["data"]

    response = client.put(f"/v1/tasks/{task['id']}", json={"deadline": None})

    assert response.status_code == 200, response.text
    assert response.json()["data"]["deadline"] is None
    assert get_task(client, task["id"])["deadline"] is None


def test_a_put_that_changes_nothing_records_nothing(client: httpx.Client) -> None:
    task = client.post("/v1/tasks", json=SPEC_TASK).json()["data"]

    response = client.put(f"/v1/tasks/{task['id']}", json={"title": SPEC_TASK["title"]})

    assert response.status_code == 200
    assert response.json()["data"]["version"] == 1


def test_a_task_goes_in_progress_with_progress_and_then_completes_with_results(
    client: httpx.Client,
) -> None:
    task = client.post("/v1/tasks", json=SPEC_TASK).json()["data"]
    url = f"/v1/tasks/{task['id']}"

    started = client.put(
        url,
        json={
            "status": "in_progress",
            "assigned_to": "agent_implementer_123",
            "progress": {"completed_steps": 2, "total_steps": 4, "current_step": "tests"},
        },
    )
    assert started.status_code == 200, started.text
    data = started.json()["data"]
    assert data["status"] == "in_progress"
    assert data["assigned_to"] == "agent_implementer_123"
    assert data["progress"]["completed_steps"] == 2
    assert data["progress"]["total_steps"] == 4
    assert data["progress"]["percentage"] == 50
    assert data["started_at"].endswith("Z")

    results = {
        "files_modified": 3,
        "tests_added": 6,
        "documentation_updated": True,
        "code_quality_score": 95,
    }
    feedback = "Implementation completed successfully. All tests passing."
    completed = client.put(
        url, json={"status": "completed", "results": results, "feedback": feedback}
    )
    assert completed.status_code == 200, completed.text
    data = completed.json()["data"]
    assert data["status"] == "completed"
    assert data["results"] == results
    assert data["feedback"] == feedback
    assert data["progress"]["percentage"] == 100
    assert data["completed_at"].endswith("Z")
    assert "actual_hours" in data["metadata"]
    assert data["metadata"]["actual_hours"] >= 0
    assert data["metadata"]["estimated_hours"] == 8
    assert get_task(client, task["id"]) == data


def test_a_task_in_progress_can_fail_with_an_error(client: httpx.Client) -> None:
    task = create_task(client)
    url = f"/v1/tasks/{task['id']}"
    assert client.put(url, json={"status": "in_progress"}).status_code == 200

    response = client.put(url, json={"status": "failed", "error": "tests do not pass"})

    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "failed"
    assert response.json()["data"]["error"] == "tests do not pass"


@pytest.mark.parametrize("target", ["completed", "failed"])
def test_a_pending_task_cannot_finish_without_starting(client: httpx.Client, target: str) -> None:
    task = create_task(client)
    url = f"/v1/tasks/{task['id']}"

    response = client.put(url, json={"status": target, "title": "Sneaky rename"})

    assert_error(response, 409, "INVALID_STATE", field="status")
    after = get_task(client, task["id"])
    assert after["version"] == task["version"]
    assert after["status"] == "pending"
    assert after["title"] == "A task"


@pytest.mark.parametrize(
    "change",
    [
        {"status": "in_progress"},
        {"status": "failed"},
        {"status": "cancelled"},
        {"status": "completed"},
        {"title": "Renamed after completion"},
        {"progress": {"completed_steps": 1, "total_steps": 2}},
    ],
    ids=["in_progress", "failed", "cancelled", "completed", "title", "progress"],
)
def test_a_completed_task_cannot_change_any_more(
    client: httpx.Client, change: dict[str, object]
) -> None:
    task = create_task(client)
    url = f"/v1/tasks/{task['id']}"
    assert client.put(url, json={"status": "in_progress"}).status_code == 200
    done = client.put(url, json={"status": "completed", "results": {"ok": True}})
    assert done.status_code == 200, done.text
    before = get_task(client, task["id"])

    response = client.put(url, json=change)

    assert_error(response, 409, "INVALID_STATE")
    assert get_task(client, task["id"]) == before


def test_progress_on_a_pending_task_is_an_invalid_state(client: httpx.Client) -> None:
    task = create_task(client)
    response = client.put(
        f"/v1/tasks/{task['id']}", json={"progress": {"completed_steps": 1, "total_steps": 2}}
    )
    assert_error(response, 409, "INVALID_STATE", field="progress")
    assert get_task(client, task["id"])["version"] == 1


# --- cancel ------------------------------------------------------------------------------


def test_cancelling_with_a_reason_records_it(client: httpx.Client, admin: Credential) -> None:
    task = client.post("/v1/tasks", json=SPEC_TASK).json()["data"]
    reason = "No longer needed due to requirement changes"

    response = client.request("DELETE", f"/v1/tasks/{task['id']}", json={"reason": reason})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["data"]["status"] == "cancelled"
    assert body["data"]["cancellation"]["reason"] == reason
    assert body["data"]["cancellation"]["cancelled_by"] == admin.id
    assert get_task(client, task["id"])["status"] == "cancelled"


def test_cancelling_without_a_body_works(client: httpx.Client) -> None:
    task = create_task(client)

    response = client.delete(f"/v1/tasks/{task['id']}")

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["status"] == "cancelled"
    assert data["cancellation"]["reason"] is None


def test_cancelling_a_task_in_progress_works(client: httpx.Client) -> None:
    task = create_task(client)
    assert client.put(f"/v1/tasks/{task['id']}", json={"status": "in_progress"}).status_code == 200
    response = client.request("DELETE", f"/v1/tasks/{task['id']}", json={"reason": "stop"})
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "cancelled"


def test_cancelling_twice_is_an_invalid_state(client: httpx.Client) -> None:
    task = create_task(client)
    url = f"/v1/tasks/{task['id']}"
    assert client.request("DELETE", url, json={"reason": "first"}).status_code == 200
    before = get_task(client, task["id"])

    response = client.request("DELETE", url, json={"reason": "second"})

    assert_error(response, 409, "INVALID_STATE", field="status")
    after = get_task(client, task["id"])
    assert after == before
    assert after["cancellation"]["reason"] == "first"


def test_a_cancelled_task_cannot_be_edited(client: httpx.Client) -> None:
    task = create_task(client)
    assert client.delete(f"/v1/tasks/{task['id']}").status_code == 200
    response = client.put(f"/v1/tasks/{task['id']}", json={"title": "Back from the dead"})
    assert_error(response, 409, "INVALID_STATE")
    assert get_task(client, task["id"])["title"] == "A task"
