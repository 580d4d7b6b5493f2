"""GET /v1/events: the log in order, filtered, paged by `next_after` and streamed as NDJSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import make_api_key, make_user
from tests.e2e.auth_helpers import bearer, tokens
from tests.e2e.events_helpers import all_pages, streamed, types_of
from tests.e2e.helpers import assert_error
from tests.http_client import http_client

# The log is read with each store's own SQL (its table, position column and id spelling).
pytestmark = pytest.mark.both_stores


def _task(client: httpx.Client, title: str = "audited") -> str:
    created = client.post("/v1/tasks", json={"title": title})
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["id"])


def test_a_task_s_changes_read_back_in_log_order_with_who_and_when(
    client: httpx.Client, admin: object
) -> None:
    task = _task(client)
    assert client.put(f"/v1/tasks/{task}", json={"title": "renamed"}).status_code == 200
    assert client.request("DELETE", f"/v1/tasks/{task}", json={"reason": "done"}).status_code == 200
    events = all_pages(client, type="task.*")
    assert types_of(events) == ["task.created", "task.updated", "task.cancelled"]
    created, updated, cancelled = events
    assert created["entity"] == {"kind": "task", "id": task}
    assert [e["version"] for e in events] == [1, 2, 3]
    assert {e["actor"] for e in events} == {admin.id}  # type: ignore[attr-defined]
    assert created["data"]["title"] == "audited"
    assert updated["data"]["changes"] == {"title": {"old": "audited", "new": "renamed"}}
    assert cancelled["data"] == {"reason": "done"}
    assert all(e["id"].startswith("evt_") and e["recorded_at"].endswith("Z") for e in events)
    assert len({e["id"] for e in events}) == 3


def test_paging_with_next_after_reads_every_event_once_until_it_runs_out(
    client: httpx.Client,
) -> None:
    made = [_task(client, f"t{n}") for n in range(7)]
    for limit in (1, 3, 7, 1_000):
        events = all_pages(client, type="task.created", limit=limit)
        assert [e["entity"]["id"] for e in events] == made
    first = client.get("/v1/events", params={"type": "task.created", "limit": 3}).json()["data"]
    assert len(first["events"]) == 3
    assert first["next_after"] == first["events"][-1]["position"]


def test_filters_by_several_types_prefixes_entity_actor_and_time(
    kyros: Kyros, client: httpx.Client, base_url: str
) -> None:
    mine = _task(client)
    other_key = make_api_key(kyros, "developer", name="other")
    with http_client(base_url=base_url, headers=bearer(other_key.key)) as other:
        theirs = _task(other)
    client.put(f"/v1/tasks/{mine}", json={"priority": "high"})
    by_entity = all_pages(client, entity_kind="task", entity_id=theirs)
    assert types_of(by_entity) == ["task.created"]
    by_actor = all_pages(client, actor=other_key.id)
    assert [e["entity"]["id"] for e in by_actor] == [theirs]
    several = all_pages(client, type="task.updated,api_key.*")
    assert set(types_of(several)) == {"task.updated", "api_key.created"}
    kinds = all_pages(client, entity_kind="api_key,task")
    assert {e["entity"]["kind"] for e in kinds} == {"api_key", "task"}
    moment = datetime.fromisoformat(by_entity[0]["recorded_at"].replace("Z", "+00:00"))
    at = moment.isoformat().replace("+00:00", "Z")
    exactly = all_pages(client, type="task.created", **{"from": at, "to": at})
    assert [e["entity"]["id"] for e in exactly] == [theirs]
    later = (moment + timedelta(microseconds=1)).isoformat()
    assert theirs not in {e["entity"]["id"] for e in all_pages(client, **{"from": later})}
    assert all_pages(client, entity_kind="task", entity_id="task_01ARZ3NDEKTSV4RRFFQ69G5FAV") == []


def test_ndjson_streams_the_same_events_as_the_pages(client: httpx.Client) -> None:
    for n in range(5):
        _task(client, f"s{n}")
    paged = all_pages(client, limit=2)
    assert streamed(client) == paged
    assert streamed(client, limit=1, type="task.created") == all_pages(client, type="task.created")
    assert streamed(client, after=paged[-1]["position"]) == []


def test_a_page_never_reads_past_its_window_of_positions_for_a_rare_match(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a tiny window and budget, a sparse filter answers short pages that still reach
    every match by following next_after."""
    monkeypatch.setattr("kyros.queries.events.WINDOW", 2)
    monkeypatch.setattr("kyros.queries.events.BUDGET", 3)
    tasks = [_task(client, f"w{n}") for n in range(4)]
    for task in tasks:
        client.put(f"/v1/tasks/{task}", json={"title": "again"})
    first = client.get("/v1/events", params={"type": "task.updated", "limit": 10}).json()["data"]
    assert len(first["events"]) < 4 and first["next_after"] is not None
    events = all_pages(client, type="task.updated", limit=10)
    assert [e["entity"]["id"] for e in events] == tasks


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1_001}, "limit"),
        ({"after": -1}, "after"),
        ({"after": "x"}, "after"),
        ({"type": "task.exploded"}, "type"),
        ({"type": "nothing.*"}, "type"),
        ({"type": ","}, "type"),
        ({"entity_kind": "planet"}, "entity_kind"),
        ({"entity_id": "task_01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "entity_id"),
        ({"entity_kind": "task,user", "entity_id": "x"}, "entity_id"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2024-13-01T00:00:00Z"}, "to"),
        ({"from": "2024-01-02T00:00:00Z", "to": "2024-01-01T00:00:00Z"}, "to"),
        ({"actor": "x" * 201}, "actor"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_parameters_are_refused_naming_the_parameter(
    client: httpx.Client, params: dict[str, object], field: str
) -> None:
    assert_error(client.get("/v1/events", params=params), 422, "VALIDATION_ERROR", field)


def test_only_callers_with_read_audit_read_the_log(
    kyros: Kyros, base_url: str, anonymous: httpx.Client
) -> None:
    make_user(kyros, "auditor1", ["auditor"])
    make_user(kyros, "viewer1", ["viewer"])
    auditor_key = make_api_key(kyros, "auditor", name="audit")
    developer_key = make_api_key(kyros, "developer", name="dev")
    for path in ("/v1/events", "/v1/events/types", "/v1/configuration/history"):
        for allowed, headers in (
            (True, bearer(auditor_key.key)),
            (True, bearer(tokens(anonymous, "auditor1")["access_token"])),
            (False, bearer(developer_key.key)),
            (False, bearer(tokens(anonymous, "viewer1")["access_token"])),
        ):
            response = anonymous.get(path, headers=headers)
            if allowed:
                assert response.status_code == 200, response.text
            else:
                assert_error(response, 403, "FORBIDDEN")
        assert_error(anonymous.get(path), 401, "UNAUTHORIZED")


def test_the_catalogue_lists_every_type_with_its_schema(client: httpx.Client) -> None:
    types = client.get("/v1/events/types").json()["data"]["types"]
    named = {t["type"]: t for t in types}
    for name in ("task.created", "escalation.approved", "budget.reserved", "configuration.updated"):
        assert named[name]["schema"]["type"] == "object"
        assert named[name]["schema_version"] >= 1
    assert named["user.created"]["redacted"] == ["password_hash"]
    assert "password_hash" not in named["user.created"]["schema"]["properties"]
    recorded = {e["type"] for e in all_pages(client)}
    assert recorded <= set(named)


def test_recorded_at_is_the_moment_of_the_change(client: httpx.Client) -> None:
    before = datetime.now(UTC)
    task = _task(client)
    (event,) = all_pages(client, entity_kind="task", entity_id=task)
    recorded = datetime.fromisoformat(event["recorded_at"].replace("Z", "+00:00"))
    assert before <= recorded <= datetime.now(UTC)
