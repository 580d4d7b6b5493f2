"""Shared pieces of the HTTP tests: the spec's example task, task reads and envelope checks.

Test data is built with tests/builders."""

from __future__ import annotations

import copy
from typing import Any

import httpx

SPEC_TASK: dict[str, Any] = {
    "title": "Implement user authentication",
    "description": "Add JWT-based authentication system with OAuth2 integration",
    "type": "implementation",
    "priority": "high",
    "assignee_role": "implementer",
    "files_to_modify": [
        "services/orchestrator/auth.py",
        "services/console/src/auth/index.ts",
    ],
    "acceptance_criteria": [
        "Users can register with email/password",
        "OAuth2 integration works with Google",
        "JWT tokens are properly validated",
        "Refresh token mechanism implemented",
    ],
    "dependencies": [],
    "tags": ["authentication", "security", "backend"],
    "deadline": "2024-01-20T23:59:59Z",
    "metadata": {"estimated_hours": 8, "complexity": "medium"},
}

# A well-formed id that no test ever creates.
UNKNOWN_TASK_ID = "task_01ARZ3NDEKTSV4RRFFQ69G5FAV"


def spec_task(**overrides: Any) -> dict[str, Any]:
    body = copy.deepcopy(SPEC_TASK)
    body.update(overrides)
    return body


def get_task(client: httpx.Client, task_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/tasks/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def list_tasks(client: httpx.Client, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/tasks", params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def total_tasks(client: httpx.Client) -> int:
    return int(list_tasks(client)["pagination"]["total"])


def assert_error(
    response: httpx.Response,
    status: int,
    code: str,
    field: str | None = None,
    issue: str | None = None,
) -> dict[str, Any]:
    """The spec's error envelope; `field` and `issue` when given must match exactly."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert set(body) == {"success", "error", "timestamp", "request_id"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert body["timestamp"].endswith("Z")
    assert body["request_id"]
    assert response.headers["x-request-id"] == body["request_id"]
    details = body["error"]["details"]
    if field is not None:
        assert details["field"] == field, details
        assert isinstance(details["issue"], str)
        assert details["issue"]
    if issue is not None:
        assert details["issue"] == issue, details
    return body  # type: ignore[no-any-return]
