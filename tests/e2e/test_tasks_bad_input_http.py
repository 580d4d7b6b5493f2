"""Bad input to the tasks API: a 4xx error envelope naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.builders.http import create_task
from tests.e2e.helpers import UNKNOWN_TASK_ID, assert_error, get_task, spec_task, total_tasks

JSON = {"content-type": "application/json"}
ENUM_ISSUES = {
    "priority": "Must be one of: low, medium, high, critical",
    "type": "Must be one of: implementation, review, design, testing",
    "assignee_role": "Must be one of: architect, implementer, critic, integrator",
}


@pytest.fixture
def existing(client: httpx.Client) -> dict[str, Any]:
    """One stored task, so "nothing stored" means the total stays at exactly 1."""
    return create_task(client, title="Existing", deadline="2024-01-20T23:59:59Z")


# --- POST /v1/tasks ----------------------------------------------------------------------

BAD_CREATE_JSON: list[tuple[str, Any, str, str | None]] = [
    ("json-array", [], "body", None),
    ("json-null", None, "body", None),
    ("title-int", {"title": 5}, "title", None),
    ("unknown-field", {"title": "ok", "owner": "me"}, "owner", None),
    ("missing-title", {"description": "no title"}, "title", None),
    ("empty-title", {"title": ""}, "title", None),
    ("title-201", {"title": "x" * 201}, "title", None),
    ("tags-21", {"title": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags", None),
    ("tag-with-space", {"title": "ok", "tags": ["has space"]}, "tags[0]", None),
    ("tags-not-list", {"title": "ok", "tags": "a,b"}, "tags", None),
    ("priority", {"title": "ok", "priority": "urgent"}, "priority", ENUM_ISSUES["priority"]),
    ("type", {"title": "ok", "type": "research"}, "type", ENUM_ISSUES["type"]),
    (
        "role",
        {"title": "ok", "assignee_role": "boss"},
        "assignee_role",
        ENUM_ISSUES["assignee_role"],
    ),
    ("deadline-naive", {"title": "ok", "deadline": "2024-01-20T23:59:59"}, "deadline", None),
    ("deadline-garbage", {"title": "ok", "deadline": "not-a-date"}, "deadline", None),
    ("deadline-month-13", {"title": "ok", "deadline": "2024-13-01T00:00:00Z"}, "deadline", None),
    ("metadata-list", {"title": "ok", "metadata": [1, 2]}, "metadata", None),
    (
        "metadata-51-keys",
        {"title": "ok", "metadata": {f"k{i}": i for i in range(51)}},
        "metadata",
        None,
    ),
    ("dependency-malformed", {"title": "ok", "dependencies": ["nope"]}, "dependencies[0]", None),
    (
        "dependency-unknown",
        {"title": "ok", "dependencies": [UNKNOWN_TASK_ID]},
        "dependencies",
        None,
    ),
]


@pytest.mark.parametrize(
    ("body", "field", "issue"),
    [case[1:] for case in BAD_CREATE_JSON],
    ids=[case[0] for case in BAD_CREATE_JSON],
)
def test_a_bad_create_body_is_a_422_naming_the_field_and_stores_nothing(
    client: httpx.Client, existing: dict[str, Any], body: Any, field: str, issue: str | None
) -> None:
    response = client.post("/v1/tasks", json=body)

    assert_error(response, 422, "VALIDATION_ERROR", field=field, issue=issue)
    assert total_tasks(client) == 1


@pytest.mark.parametrize(
    "raw", [b'{"title": "unterminated', b"{bad json}", b'{"title": "a",}'], ids=["eof", "bad", ","]
)
def test_malformed_json_is_a_422_on_the_body(
    client: httpx.Client, existing: dict[str, Any], raw: bytes
) -> None:
    response = client.post("/v1/tasks", content=raw, headers=JSON)

    assert_error(response, 422, "VALIDATION_ERROR", field="body")
    assert total_tasks(client) == 1


def test_the_spec_example_with_one_bad_enum_stores_nothing(
    client: httpx.Client, existing: dict[str, Any]
) -> None:
    response = client.post("/v1/tasks", json=spec_task(priority="urgent"))

    assert_error(response, 422, "VALIDATION_ERROR", field="priority", issue=ENUM_ISSUES["priority"])
    assert total_tasks(client) == 1


def test_a_body_over_one_mebibyte_is_413(client: httpx.Client, existing: dict[str, Any]) -> None:
    body = spec_task(description="x" * (1024 * 1024 + 1))

    response = client.post("/v1/tasks", json=body)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert total_tasks(client) == 1


def test_a_chunked_body_over_one_mebibyte_is_413(
    client: httpx.Client, existing: dict[str, Any]
) -> None:
    def chunks() -> Any:
        yield b'{"title": "big", "description": "'
        for _ in range(11):
            yield b"x" * 100_000
        yield b'"}'

    response = client.post("/v1/tasks", content=chunks(), headers=JSON)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert total_tasks(client) == 1


# --- GET /v1/tasks query parameters ------------------------------------------------------

BAD_QUERIES: list[tuple[str, str]] = [
    ("limit=0", "limit"),
    ("limit=201", "limit"),
    ("limit=-1", "limit"),
    ("limit=abc", "limit"),
    ("limit=1.5", "limit"),
    ("offset=-1", "offset"),
    ("offset=abc", "offset"),
    ("sort_by=bogus", "sort_by"),
    ("sort_by=title", "sort_by"),
    ("sort_order=up", "sort_order"),
    ("status=bogus", "status"),
    ("status=pending,bogus", "status"),
    ("type=research", "type"),
    ("priority=urgent", "priority"),
    ("assignee_role=boss", "assignee_role"),
    ("tags=,", "tags"),
]


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES, ids=[q for q, _ in BAD_QUERIES])
def test_a_bad_list_query_is_a_422_naming_the_parameter(
    client: httpx.Client, existing: dict[str, Any], query: str, field: str
) -> None:
    response = client.get(f"/v1/tasks?{query}")
    assert_error(response, 422, "VALIDATION_ERROR", field=field)


def test_a_bogus_status_filter_lists_the_valid_statuses(client: httpx.Client) -> None:
    response = client.get("/v1/tasks", params={"status": "bogus"})
    body = assert_error(response, 422, "VALIDATION_ERROR", field="status")
    assert body["error"]["details"]["issue"].startswith("Must be one of: pending,")
    assert "in_progress" in body["error"]["details"]["issue"]


# --- unknown tasks -----------------------------------------------------------------------


@pytest.mark.parametrize("task_id", [UNKNOWN_TASK_ID, "garbage", "task_", "task_!!"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_an_unknown_or_malformed_task_id_is_404_task_not_found(
    client: httpx.Client, existing: dict[str, Any], method: str, task_id: str
) -> None:
    body = {"title": "new"} if method == "PUT" else None

    response = client.request(method, f"/v1/tasks/{task_id}", json=body)

    assert_error(response, 404, "TASK_NOT_FOUND")
    assert total_tasks(client) == 1
    assert get_task(client, existing["id"])["version"] == 1


# --- PUT /v1/tasks/{id} ------------------------------------------------------------------

BAD_UPDATES: list[tuple[str, Any, str]] = [
    ("empty-object", {}, "body"),
    ("json-array", [{"title": "x"}], "body"),
    ("title-int", {"title": 5}, "title"),
    ("title-empty", {"title": ""}, "title"),
    ("title-201", {"title": "x" * 201}, "title"),
    ("unknown-field", {"owner": "me"}, "owner"),
    ("read-only-field", {"created_by": "me"}, "created_by"),
    ("priority", {"priority": "urgent"}, "priority"),
    ("status-pending", {"status": "pending"}, "status"),
    ("tags-21", {"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ("deadline-naive", {"deadline": "2024-01-20T23:59:59"}, "deadline"),
    (
        "total-steps-0",
        {"progress": {"completed_steps": 0, "total_steps": 0}},
        "progress.total_steps",
    ),
    ("dependency-unknown", {"dependencies": [UNKNOWN_TASK_ID]}, "dependencies"),
    (
        "start-with-too-many-steps",
        {"status": "in_progress", "progress": {"completed_steps": 5, "total_steps": 4}},
        "progress.completed_steps",
    ),
]


@pytest.mark.parametrize(
    ("body", "field"), [c[1:] for c in BAD_UPDATES], ids=[c[0] for c in BAD_UPDATES]
)
def test_a_bad_update_is_a_422_naming_the_field_and_changes_nothing(
    client: httpx.Client, existing: dict[str, Any], body: Any, field: str
) -> None:
    before = get_task(client, existing["id"])

    response = client.put(f"/v1/tasks/{existing['id']}", json=body)

    assert_error(response, 422, "VALIDATION_ERROR", field=field)
    assert get_task(client, existing["id"]) == before
    assert total_tasks(client) == 1


def test_malformed_json_in_a_put_is_a_422_on_the_body(
    client: httpx.Client, existing: dict[str, Any]
) -> None:
    response = client.put(f"/v1/tasks/{existing['id']}", content=b'{"title": ', headers=JSON)
    assert_error(response, 422, "VALIDATION_ERROR", field="body")
    assert get_task(client, existing["id"])["version"] == 1


def test_progress_beyond_the_total_on_a_started_task_is_refused(
    client: httpx.Client, existing: dict[str, Any]
) -> None:
    url = f"/v1/tasks/{existing['id']}"
    assert client.put(url, json={"status": "in_progress"}).status_code == 200
    before = get_task(client, existing["id"])

    response = client.put(url, json={"progress": {"completed_steps": 3, "total_steps": 2}})

    assert_error(response, 422, "VALIDATION_ERROR", field="progress.completed_steps")
    assert get_task(client, existing["id"]) == before


def test_a_task_cannot_depend_on_itself(client: httpx.Client, existing: dict[str, Any]) -> None:
    response = client.put(f"/v1/tasks/{existing['id']}", json={"dependencies": [existing["id"]]})
    assert_error(response, 422, "VALIDATION_ERROR", field="dependencies")
    assert get_task(client, existing["id"])["dependencies"] == []


def test_a_dependency_cycle_made_through_put_is_refused(client: httpx.Client) -> None:
    b = create_task(client, title="B")
    a = create_task(client, title="A", dependencies=[b["id"]])
    assert a["dependencies"] == [b["id"]]

    response = client.put(f"/v1/tasks/{b['id']}", json={"dependencies": [a["id"]]})

    assert_error(response, 422, "VALIDATION_ERROR", field="dependencies")
    assert get_task(client, b["id"])["dependencies"] == []
    assert get_task(client, b["id"])["version"] == 1


def test_a_longer_dependency_cycle_is_refused(client: httpx.Client) -> None:
    c = create_task(client, title="C")
    b = create_task(client, title="B", dependencies=[c["id"]])
    a = create_task(client, title="A", dependencies=[b["id"]])

    response = client.put(f"/v1/tasks/{c['id']}", json={"dependencies": [a["id"]]})

    assert_error(response, 422, "VALIDATION_ERROR", field="dependencies")
    assert get_task(client, c["id"])["dependencies"] == []


# --- DELETE /v1/tasks/{id} ---------------------------------------------------------------

BAD_CANCELS: list[tuple[str, bytes, str]] = [
    ("empty-reason", b'{"reason": ""}', "reason"),
    ("unknown-field", b'{"why": "x"}', "why"),
    ("reason-int", b'{"reason": 5}', "reason"),
    ("json-array", b"[]", "body"),
    ("malformed", b'{"reason": ', "body"),
]


@pytest.mark.parametrize(
    ("raw", "field"), [c[1:] for c in BAD_CANCELS], ids=[c[0] for c in BAD_CANCELS]
)
def test_a_bad_cancel_body_is_a_422_and_the_task_stays_pending(
    client: httpx.Client, existing: dict[str, Any], raw: bytes, field: str
) -> None:
    response = client.request("DELETE", f"/v1/tasks/{existing['id']}", content=raw, headers=JSON)

    assert_error(response, 422, "VALIDATION_ERROR", field=field)
    assert get_task(client, existing["id"])["status"] == "pending"


# --- routes and methods ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/nope", "/nope", "/v1/tasks/x/y", "/v2/tasks"])
def test_an_unknown_route_is_a_404_not_found_envelope_with_a_request_id(
    client: httpx.Client, path: str
) -> None:
    response = client.get(path)
    body = assert_error(response, 404, "NOT_FOUND")
    assert body["request_id"].startswith("req_")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/v1/tasks"),
        ("PUT", "/v1/tasks"),
        ("POST", f"/v1/tasks/{UNKNOWN_TASK_ID}"),
        ("DELETE", "/v1/configuration"),
        ("POST", "/v1/configuration"),
    ],
)
def test_a_wrong_method_is_a_405_envelope(
    client: httpx.Client, existing: dict[str, Any], method: str, path: str
) -> None:
    response = client.request(method, path, json={"title": "x"})
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert total_tasks(client) == 1
