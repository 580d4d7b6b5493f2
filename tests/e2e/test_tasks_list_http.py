"""GET /v1/tasks over a real socket: filters, sorting and pagination."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.builders.commands import Credential
from tests.builders.http import create_task
from tests.e2e.helpers import list_tasks

pytestmark = pytest.mark.both_stores  # filters, ordering and paging are read-model SQL run on both

SUMMARY_FIELDS = {
    "id",
    "title",
    "status",
    "type",
    "priority",
    "assignee_role",
    "created_at",
    "deadline",
}


def _ids(page: dict[str, Any]) -> list[str]:
    return [task["id"] for task in page["tasks"]]


@pytest.fixture
def catalogue(client: httpx.Client) -> dict[str, str]:
    """Five tasks that differ in every filterable field; name → id."""
    specs: dict[str, dict[str, Any]] = {
        "impl": {
            "type": "implementation",
            "priority": "high",
            "assignee_role": "implementer",
            "tags": ["auth", "backend"],
        },
        "review": {
            "type": "review",
            "priority": "low",
            "assignee_role": "critic",
            "tags": ["auth"],
        },
        "design": {
            "type": "design",
            "priority": "critical",
            "assignee_role": "architect",
            "tags": ["backend", "ui"],
        },
        "testing": {
            "type": "testing",
            "priority": "medium",
            "assignee_role": "integrator",
            "tags": ["auth", "backend", "ui"],
        },
        "cancelled": {"type": "implementation", "priority": "low", "tags": []},
    }
    ids = {name: create_task(client, title=name, **fields)["id"] for name, fields in specs.items()}
    started = client.put(f"/v1/tasks/{ids['testing']}", json={"status": "in_progress"})
    assert started.status_code == 200, started.text
    assert client.delete(f"/v1/tasks/{ids['cancelled']}").status_code == 200
    return ids


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"impl", "review", "design", "testing", "cancelled"}),
        ({"status": "pending"}, {"impl", "review", "design"}),
        ({"status": "in_progress"}, {"testing"}),
        ({"status": "in_progress,cancelled"}, {"testing", "cancelled"}),
        ({"status": "completed"}, set()),
        ({"type": "review"}, {"review"}),
        ({"type": "review,design"}, {"review", "design"}),
        ({"type": "implementation"}, {"impl", "cancelled"}),
        ({"priority": "critical"}, {"design"}),
        ({"priority": "low,medium"}, {"review", "testing", "cancelled"}),
        ({"assignee_role": "critic"}, {"review"}),
        ({"assignee_role": "architect,integrator"}, {"design", "testing"}),
        ({"created_by": "ADMIN"}, {"impl", "review", "design", "testing", "cancelled"}),
        ({"created_by": "user_123"}, set()),
        ({"tags": "backend"}, {"impl", "design", "testing"}),
        ({"tags": "auth,backend"}, {"impl", "testing"}),
        ({"tags": "ui,auth"}, {"testing"}),
        ({"tags": "auth,ui,backend"}, {"testing"}),
        ({"tags": "auth,nope"}, set()),
        ({"tags": "auth", "status": "pending"}, {"impl", "review"}),
        ({"type": "implementation", "status": "pending"}, {"impl"}),
        ({"priority": "low", "assignee_role": "critic", "tags": "auth"}, {"review"}),
    ],
    ids=lambda v: (
        ("&".join(f"{k}={w}" for k, w in v.items()) or "none") if isinstance(v, dict) else None
    ),
)
def test_each_filter_returns_exactly_the_matching_tasks(
    client: httpx.Client,
    admin: Credential,
    catalogue: dict[str, str],
    params: dict[str, str],
    expected: set[str],
) -> None:
    """`ADMIN` stands for the id of the API key the client acts as."""
    params = {k: admin.id if v == "ADMIN" else v for k, v in params.items()}
    page = list_tasks(client, **params)

    assert set(_ids(page)) == {catalogue[name] for name in expected}
    assert len(page["tasks"]) == len(expected)
    assert page["pagination"]["total"] == len(expected)
    assert page["pagination"]["has_more"] is False


def test_list_items_are_summaries_with_the_spec_fields(
    client: httpx.Client, catalogue: dict[str, str]
) -> None:
    page = list_tasks(client, type="review")
    (item,) = page["tasks"]
    assert set(item) >= SUMMARY_FIELDS
    assert item["id"] == catalogue["review"]
    assert item["title"] == "review"
    assert item["status"] == "pending"
    assert item["type"] == "review"
    assert item["priority"] == "low"
    assert item["assignee_role"] == "critic"
    assert item["tags"] == ["auth"]
    assert "description" not in item


def test_the_list_is_wrapped_in_the_success_envelope(client: httpx.Client) -> None:
    response = client.get("/v1/tasks")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["data"] == {
        "tasks": [],
        "pagination": {"total": 0, "limit": 50, "offset": 0, "has_more": False},
    }
    assert response.headers["x-request-id"] == body["request_id"]


# --- sorting -----------------------------------------------------------------------------


def test_the_default_order_is_newest_first(client: httpx.Client) -> None:
    ids = [create_task(client, title=f"t{i}")["id"] for i in range(4)]
    assert _ids(list_tasks(client)) == ids[::-1]
    assert _ids(list_tasks(client, sort_by="created_at", sort_order="desc")) == ids[::-1]
    assert _ids(list_tasks(client, sort_by="created_at", sort_order="asc")) == ids


def test_sorting_by_updated_at_puts_the_latest_edit_at_the_top(client: httpx.Client) -> None:
    first, second, third = (create_task(client, title=f"t{i}")["id"] for i in range(3))
    assert client.put(f"/v1/tasks/{first}", json={"title": "edited"}).status_code == 200

    desc = _ids(list_tasks(client, sort_by="updated_at", sort_order="desc"))
    asc = _ids(list_tasks(client, sort_by="updated_at", sort_order="asc"))

    assert desc == [first, third, second]
    assert asc == [second, third, first]


def test_sorting_by_priority_follows_low_medium_high_critical(client: httpx.Client) -> None:
    ids = {p: create_task(client, priority=p)["id"] for p in ("medium", "critical", "low", "high")}
    rank = ["low", "medium", "high", "critical"]

    asc = _ids(list_tasks(client, sort_by="priority", sort_order="asc"))
    desc = _ids(list_tasks(client, sort_by="priority", sort_order="desc"))

    assert asc == [ids[p] for p in rank]
    assert desc == [ids[p] for p in reversed(rank)]


def test_sorting_by_deadline_puts_tasks_without_one_last_in_both_directions(
    client: httpx.Client,
) -> None:
    mid = create_task(client, deadline="2024-02-01T00:00:00Z")["id"]
    none_a = create_task(client)["id"]
    early = create_task(client, deadline="2024-01-20T23:59:59Z")["id"]
    # An earlier instant written with an offset, to prove ordering is by instant, not text.
    earliest = create_task(client, deadline="2024-01-20T05:00:00+09:00")["id"]
    late = create_task(client, deadline="2025-06-30T12:00:00Z")["id"]
    none_b = create_task(client)["id"]

    asc = _ids(list_tasks(client, sort_by="deadline", sort_order="asc"))
    desc = _ids(list_tasks(client, sort_by="deadline", sort_order="desc"))

    assert asc[:4] == [earliest, early, mid, late]
    assert desc[:4] == [late, mid, early, earliest]
    assert set(asc[4:]) == set(desc[4:]) == {none_a, none_b}


def test_sorting_combines_with_filters_and_pagination(client: httpx.Client) -> None:
    ids = [create_task(client, priority=p, tags=["x"])["id"] for p in ("low", "critical", "high")]
    create_task(client, priority="critical")  # no tag: filtered out

    page = list_tasks(client, tags="x", sort_by="priority", sort_order="desc", limit=2)

    assert _ids(page) == [ids[1], ids[2]]
    assert page["pagination"] == {"total": 3, "limit": 2, "offset": 0, "has_more": True}
    rest = list_tasks(client, tags="x", sort_by="priority", sort_order="desc", limit=2, offset=2)
    assert _ids(rest) == [ids[0]]
    assert rest["pagination"]["has_more"] is False


# --- pagination --------------------------------------------------------------------------


def test_the_default_limit_is_50_and_pages_cover_every_task_once(client: httpx.Client) -> None:
    created = [create_task(client, title=f"task {i}")["id"] for i in range(55)]

    first = list_tasks(client)
    assert len(first["tasks"]) == 50
    assert first["pagination"] == {"total": 55, "limit": 50, "offset": 0, "has_more": True}

    second = list_tasks(client, offset=50)
    assert len(second["tasks"]) == 5
    assert second["pagination"] == {"total": 55, "limit": 50, "offset": 50, "has_more": False}

    assert _ids(first) + _ids(second) == created[::-1]

    pages: list[str] = []
    for offset in range(0, 55, 20):
        page = list_tasks(client, limit=20, offset=offset)
        assert page["pagination"]["has_more"] is (offset + 20 < 55)
        pages += _ids(page)
    assert pages == created[::-1]


def test_limit_200_is_allowed_and_an_offset_past_the_end_is_an_empty_page(
    client: httpx.Client,
) -> None:
    for i in range(3):
        create_task(client, title=f"t{i}")

    assert len(list_tasks(client, limit=200)["tasks"]) == 3
    beyond = list_tasks(client, offset=10)
    assert beyond["tasks"] == []
    assert beyond["pagination"] == {"total": 3, "limit": 50, "offset": 10, "has_more": False}


def test_a_page_ending_exactly_at_the_total_has_no_more(client: httpx.Client) -> None:
    for i in range(4):
        create_task(client, title=f"t{i}")
    page = list_tasks(client, limit=2, offset=2)
    assert len(page["tasks"]) == 2
    assert page["pagination"]["has_more"] is False
    assert list_tasks(client, limit=2, offset=1)["pagination"]["has_more"] is True
