"""Reading a task as of a past instant or log position over a real socket: the answer is what
the live read said at that moment, captured then (both stores: the replay reads each store's
log table in plain SQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.timetravel import replay
from tests.builders.http import client_as
from tests.e2e.helpers import assert_error

pytestmark = pytest.mark.both_stores

POSITION = "X-Kyros-Position"
CHANGES = ({"title": "Second title"}, {"priority": "high"}, {"tags": ["audited", "x"]})
UNKNOWN_TASK = "task_01ARZ3NDEKTSV4RRFFQ69G5FAV"


def _data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _moment(client: httpx.Client, task_id: str, write: httpx.Response) -> tuple[str, int, Any]:
    """After a write: the instant just after the live read, the write's position, the read."""
    assert write.status_code in (200, 201), write.text
    live = _data(client.get(f"/v1/tasks/{task_id}"))
    return datetime.now(UTC).isoformat(), int(write.headers[POSITION]), live


def _changed_task(client: httpx.Client) -> tuple[str, str, list[tuple[str, int, Any]]]:
    """A task created, changed three times and cancelled; the instant before it existed and,
    after each write, what the live read answered."""
    before = datetime.now(UTC).isoformat()
    created = client.post("/v1/tasks", json={"title": "First title", "priority": "low"})
    task_id = created.json()["data"]["id"]
    seen = [_moment(client, task_id, created)]
    for change in CHANGES:
        seen.append(_moment(client, task_id, client.put(f"/v1/tasks/{task_id}", json=change)))
    cancel = client.request("DELETE", f"/v1/tasks/{task_id}", json={"reason": "done"})
    seen.append(_moment(client, task_id, cancel))
    return task_id, before, seen


def test_a_task_read_as_of_each_instant_between_changes_is_what_the_live_read_said_then(
    client: httpx.Client,
) -> None:
    task_id, _, seen = _changed_task(client)
    assert len({str(live) for _, _, live in seen}) == len(seen)  # every state differs
    for instant, _, live in seen:
        assert _data(client.get(f"/v1/tasks/{task_id}", params={"as_of": instant})) == live


def test_a_task_read_as_of_each_log_position_is_what_the_live_read_said_then(
    client: httpx.Client,
) -> None:
    task_id, _, seen = _changed_task(client)
    for _, position, live in seen:
        answer = client.get(f"/v1/tasks/{task_id}", params={"as_of_position": position})
        assert _data(answer) == live


def test_a_task_read_before_it_existed_is_the_tasks_not_found_error(
    client: httpx.Client,
) -> None:
    task_id, before, seen = _changed_task(client)
    response = client.get(f"/v1/tasks/{task_id}", params={"as_of": before})
    assert_error(response, 404, "TASK_NOT_FOUND", "task_id")
    response = client.get(f"/v1/tasks/{task_id}", params={"as_of_position": seen[0][1] - 1})
    assert_error(response, 404, "TASK_NOT_FOUND", "task_id")
    response = client.get(f"/v1/tasks/{UNKNOWN_TASK}", params={"as_of_position": 0})
    assert_error(response, 404, "TASK_NOT_FOUND", "task_id")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2026-01-15T10:30:00"}, "as_of"),  # no offset
        ({"as_of": "2026-13-15T10:30:00Z"}, "as_of"),
        ({"as_of": "not-a-time", "as_of_position": 1}, "as_of_position"),
        ({"as_of_position": "one"}, "as_of_position"),
        ({"as_of_position": -1}, "as_of_position"),
    ],
)
def test_a_malformed_point_in_time_is_refused_naming_the_parameter(
    client: httpx.Client, params: dict[str, Any], field: str
) -> None:
    task_id = _changed_task(client)[0]
    response = client.get(f"/v1/tasks/{task_id}", params=params)
    assert_error(response, 422, "VALIDATION_ERROR", field)


def test_a_future_instant_or_a_position_past_the_head_is_refused(client: httpx.Client) -> None:
    task_id, _, seen = _changed_task(client)
    future = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    response = client.get(f"/v1/tasks/{task_id}", params={"as_of": future})
    assert_error(response, 422, "VALIDATION_ERROR", "as_of")
    head = max(position for _, position, _ in seen)
    response = client.get(f"/v1/tasks/{task_id}", params={"as_of_position": head + 1000})
    assert_error(response, 422, "VALIDATION_ERROR", "as_of_position")


def test_reading_the_past_needs_read_audit_on_top_of_the_reads_own_permission(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task_id, _, seen = _changed_task(client)
    params = {"as_of_position": seen[0][1]}
    with client_as(kyros, base_url, "viewer") as (viewer, _):
        assert viewer.get(f"/v1/tasks/{task_id}").status_code == 200
        assert_error(viewer.get(f"/v1/tasks/{task_id}", params=params), 403, "FORBIDDEN")
    with client_as(kyros, base_url, "auditor") as (auditor, _):
        assert _data(auditor.get(f"/v1/tasks/{task_id}", params=params)) == seen[0][2]


def test_a_read_of_the_past_replaying_more_events_than_the_bound_is_refused(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id, _, seen = _changed_task(client)  # five events
    monkeypatch.setattr(replay, "MAX_REPLAY_EVENTS", 4)
    last = seen[-1][1]
    response = client.get(f"/v1/tasks/{task_id}", params={"as_of_position": last})
    assert_error(response, 422, "VALIDATION_ERROR", "as_of_position")
    assert "kyros audit snapshot" in response.json()["error"]["details"]["issue"]
    earlier = client.get(f"/v1/tasks/{task_id}", params={"as_of_position": seen[3][1]})
    assert _data(earlier) == seen[3][2]  # four events: within the bound
