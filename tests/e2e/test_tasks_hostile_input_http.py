"""Hostile but well-formed JSON: still a 4xx (or a success), never a 500, never a stuck server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.builders.http import create_task
from tests.e2e.helpers import assert_error, get_task, total_tasks

pytestmark = pytest.mark.both_stores  # extreme values round-trip through each store's columns

JSON = {"content-type": "application/json"}


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("field", ["metadata", "results"])
def test_an_integer_beyond_64_bits_is_refused_not_a_500(client: httpx.Client, field: str) -> None:
    task = create_task(client)
    if field == "metadata":
        response = client.post("/v1/tasks", json={"title": "big", "metadata": {"n": 10**30}})
    else:
        url = f"/v1/tasks/{task['id']}"
        assert client.put(url, json={"status": "in_progress"}).status_code == 200
        response = client.put(url, json={"status": "completed", "results": {"n": 10**30}})
    assert_error(response, 422, "VALIDATION_ERROR", field=f"{field}.n")
    assert total_tasks(client) == 1


@pytest.mark.parametrize("depth", [990, 5_000])
def test_deeply_nested_metadata_is_refused_not_a_500(client: httpx.Client, depth: int) -> None:
    raw = b'{"title": "deep", "metadata": {"a": ' + _nested(depth) + b"}}"
    response = client.post("/v1/tasks", content=raw, headers=JSON)
    assert_error(response, 422, "VALIDATION_ERROR")
    assert total_tasks(client) == 0


def test_moderately_nested_metadata_round_trips(client: httpx.Client) -> None:
    metadata: dict[str, Any] = {"a": [[[{"b": [1, 2.5, None, True, "x"]}]]]}
    task = create_task(client, metadata=metadata)
    assert get_task(client, task["id"])["metadata"] == metadata


@pytest.mark.parametrize("deadline", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_deadline_outside_the_utc_range_is_refused_not_a_500(
    client: httpx.Client, deadline: str
) -> None:
    response = client.post("/v1/tasks", json={"title": "edge", "deadline": deadline})
    assert_error(response, 422, "VALIDATION_ERROR", field="deadline")
    assert total_tasks(client) == 0


def test_the_latest_possible_deadline_round_trips(client: httpx.Client) -> None:
    deadline = "9999-12-31T23:59:59Z"
    assert create_task(client, deadline=deadline)["deadline"] == deadline


def test_a_deadline_before_1970_is_refused(client: httpx.Client) -> None:
    response = client.post("/v1/tasks", json={"title": "old", "deadline": "0999-06-01T00:00:00Z"})
    assert_error(response, 422, "VALIDATION_ERROR", field="deadline")
    assert total_tasks(client) == 0


def test_a_nul_character_in_a_title_is_refused_and_later_writes_work(client: httpx.Client) -> None:
    first = client.post("/v1/tasks", json={"title": "nul\u0000inside"})
    assert_error(first, 422, "VALIDATION_ERROR", field="title")

    after = client.post("/v1/tasks", json={"title": "an ordinary task"})

    assert after.status_code == 201, after.text


def test_a_bad_status_in_a_put_lists_only_the_statuses_a_put_accepts(
    client: httpx.Client,
) -> None:
    task = create_task(client)
    response = client.put(f"/v1/tasks/{task['id']}", json={"status": "pending"})
    assert_error(
        response,
        422,
        "VALIDATION_ERROR",
        field="status",
        issue="Must be one of: in_progress, completed, failed, cancelled",
    )


def test_an_empty_create_body_says_the_body_is_missing(client: httpx.Client) -> None:
    response = client.post("/v1/tasks", content=b"", headers=JSON)
    body = assert_error(response, 422, "VALIDATION_ERROR", field="body")
    assert "'data'" not in body["error"]["details"]["issue"]


def test_a_deeply_nested_configuration_body_is_refused_not_a_500(client: httpx.Client) -> None:
    response = client.put("/v1/configuration", content=_nested(5_000), headers=JSON)
    assert_error(response, 422, "VALIDATION_ERROR", field="body")
