"""NUL characters in a path or query never reach a query: PostgreSQL text cannot hold them,
and before the guard these requests answered 500 on PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.both_stores  # PostgreSQL cannot hold NUL in text; SQLite can

PATHS = [
    ("/v1/tasks/%00", "task_id"),
    ("/v1/webhooks/%00", "webhook_id"),
    ("/v1/users/%00", "user_id"),
    ("/v1/escalation/%00/status", "escalation_id"),
]
QUERIES = [("/v1/tasks", "tags"), ("/v1/tasks", "created_by"), ("/v1/escalations", "task_id")]


@pytest.mark.parametrize(("path", "name"), PATHS)
def test_a_nul_in_a_path_is_not_found(client: httpx.Client, path: str, name: str) -> None:
    response = client.get(path)
    body = response.json()
    assert (response.status_code, body["error"]["code"]) == (404, "NOT_FOUND")
    assert body["error"]["details"]["field"] == name
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(("path", "name"), QUERIES)
def test_a_nul_in_a_query_names_the_parameter(client: httpx.Client, path: str, name: str) -> None:
    response = client.get(f"{path}?{name}=a%00b")
    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (422, "VALIDATION_ERROR")
    assert error["details"]["field"] == name


def test_the_guard_comes_after_authentication(anonymous: httpx.Client) -> None:
    assert anonymous.get("/v1/tasks/%00").status_code == 401
