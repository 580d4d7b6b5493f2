"""Session consistency tokens over a real socket: a write answers with its log position
(`X-Kyros-Position`) and waits only for the read models it reads back; a read that sends the
position back (`X-Kyros-Min-Position`) sees the write even where its read models lag."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
from litestar.routes import HTTPRoute

from kyros.bootstrap import Kyros
from kyros.commands.registry import ROUTES
from kyros.http.app import create_app
from kyros.http.consistency import READ_MODELS, wait_for_min_position
from kyros.ids import parse_id
from kyros.projections.registry import all_projections
from kyros.settings import Settings
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, submit
from tests.e2e.read_model_helpers import stop_read_model

POSITION, MIN_POSITION = "X-Kyros-Position", "X-Kyros-Min-Position"
PATIENT = 20.0  # the bound on waits here: long enough that only a real lag reaches it


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, read_your_writes_seconds=PATIENT)


def _created_count(client: httpx.Client, **headers: str) -> httpx.Response:
    params = {"metrics": "tasks_created", "period": "1h"}
    return client.get("/v1/monitoring/metrics", params=params, headers=headers)


def _tasks_created(answer: httpx.Response) -> int:
    assert answer.status_code == 200, answer.text
    return sum(answer.json()["data"]["metrics"]["tasks_created"]["data"])


@pytest.mark.both_stores  # positions come from each store's own sequence
def test_every_write_answers_with_the_log_position_its_events_committed_at(
    kyros: Kyros, client: httpx.Client
) -> None:
    created = client.post("/v1/tasks", json={"title": "positioned"})
    assert created.status_code == 201
    task_id = created.json()["data"]["id"]
    position = int(created.headers[POSITION])
    (notification,) = kyros.app.recorder.select_notifications(start=position, limit=1)
    assert notification.id == position
    assert notification.originator_id == parse_id("task", task_id)
    assert notification.topic.endswith("Task.Created")

    updated = client.put(f"/v1/tasks/{task_id}", json={"priority": "high"})
    cancelled = client.delete(f"/v1/tasks/{task_id}")
    positions = [int(r.headers[POSITION]) for r in (updated, cancelled)]
    assert [position, *positions] == sorted({position, *positions})  # each later than the last
    assert positions[-1] == kyros.app.head()
    read = client.get(f"/v1/tasks/{task_id}")
    assert read.status_code == 200 and POSITION not in read.headers  # a read appended nothing


def test_the_worker_protocol_answers_carry_positions_too(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client)
    submit(client, task["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        claimed = agent.post(f"/v1/agents/{agent_id}/claim", params={"wait": 5})
        submission = claimed.json()["data"]["submission"]
        progress = agent.post(
            f"/v1/submissions/{submission['submission_id']}/progress",
            json={"completed_steps": 1, "total_steps": 2, "current_step": "half"},
        )
        completed = complete(agent, submission["submission_id"])
        assert claim(agent, agent_id) is None  # nothing left: no write, no position
    answers = [claimed, progress, completed]
    assert [a.status_code for a in answers] == [200, 200, 200]
    positions = [int(a.headers[POSITION]) for a in answers]
    assert positions == sorted(set(positions)) and positions[-1] == kyros.app.head()


@pytest.mark.both_stores  # each store's read models lag and catch up on their own
def test_a_read_carrying_a_fresh_writes_position_sees_it_although_its_read_model_lagged(
    kyros: Kyros, client: httpx.Client, caplog: pytest.LogCaptureFixture, settings: Settings
) -> None:
    stop_read_model(kyros, "analytics")  # the metrics read model: tasks' answers do not read it
    with caplog.at_level(logging.WARNING, logger="kyros.bootstrap"):
        created = client.post("/v1/tasks", json={"title": "counted"})
    assert created.status_code == 201
    assert "still behind" not in caplog.text  # it did not wait for the stopped read model
    task_id = created.json()["data"]["id"]
    assert client.get(f"/v1/tasks/{task_id}").status_code == 200  # an old client's next read
    # A read without the token waits, bounded and once, for the write answered here; it
    # answers what the stopped read model holds: the metrics lag, for real.
    kyros.settings = msgspec.structs.replace(settings, read_your_writes_seconds=0.3)
    assert _tasks_created(_created_count(client)) == 0
    kyros.settings = settings

    def catch_up_later() -> None:
        time.sleep(0.3)
        kyros.engine.catch_up("analytics", 500)

    helper = threading.Thread(target=catch_up_later)
    helper.start()
    try:
        answer = _created_count(client, **{MIN_POSITION: created.headers[POSITION]})
    finally:
        helper.join()
    assert _tasks_created(answer) == 1


def test_a_read_whose_read_model_stays_behind_is_answered_503_with_retry_after(
    kyros: Kyros, client: httpx.Client, settings: Settings
) -> None:
    kyros.settings = msgspec.structs.replace(settings, read_your_writes_seconds=0.3)
    stop_read_model(kyros, "analytics")
    created = client.post("/v1/tasks", json={"title": "not counted yet"})
    token = created.headers[POSITION]

    behind = _created_count(client, **{MIN_POSITION: token})
    assert behind.status_code == 503
    assert int(behind.headers["Retry-After"]) >= 1
    error = behind.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert error["details"]["field"] == MIN_POSITION
    assert error["details"]["min_position"] == int(token)
    assert _tasks_created(_created_count(client)) == 0  # without the token: stale, not refused
    fine = client.get("/v1/tasks", headers={MIN_POSITION: token})  # its read model is there
    assert fine.status_code == 200 and fine.json()["data"]["pagination"]["total"] == 1


@pytest.mark.parametrize(
    "value", ["abc", "-1", "1.5", "+3", "0x10", "", "١٢", "99999999999999999999", "1 2"]
)
def test_a_malformed_min_position_is_refused_naming_the_header(
    client: httpx.Client, value: str
) -> None:
    answer = client.get("/v1/tasks", headers={MIN_POSITION: value.encode()})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["details"]["field"]) == ("VALIDATION_ERROR", MIN_POSITION)


def test_a_min_position_sent_twice_is_refused(client: httpx.Client) -> None:
    answer = client.get("/v1/tasks", headers=[(MIN_POSITION, "1"), (MIN_POSITION, "2")])
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == MIN_POSITION


def test_a_position_beyond_the_logs_head_is_refused_at_once(
    kyros: Kyros, client: httpx.Client
) -> None:
    """Positions are handed out after their commit to the one shared log: one past its head
    never came from it, and waiting would not make it real."""
    head = kyros.app.head()
    answer = client.get("/v1/tasks", headers={MIN_POSITION: str(head + 1_000)})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["details"]["field"] == MIN_POSITION
    assert f"({head})" in error["details"]["issue"]
    assert client.get("/v1/tasks", headers={MIN_POSITION: "0"}).status_code == 200
    assert client.get("/v1/tasks", headers={MIN_POSITION: str(head)}).status_code == 200


def test_an_unauthenticated_request_is_refused_before_any_waiting(base_url: str) -> None:
    answer = httpx.get(f"{base_url}/v1/tasks", headers={MIN_POSITION: "abc"})
    assert answer.status_code == 401


def _get_handlers(kyros: Kyros) -> Iterator[Any]:
    app = create_app(kyros, run_workers=False)
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if wait_for_min_position in handler.resolve_guards():
                    yield route.path, handler


def test_every_api_route_declares_the_read_models_it_reads(kyros: Kyros) -> None:
    known = {p.name for p in all_projections()}
    gets = 0
    for path, handler in _get_handlers(kyros):
        if "GET" not in handler.http_methods:
            continue
        gets += 1
        assert READ_MODELS in handler.opt, f"GET {path} declares no read models"
        names = handler.opt[READ_MODELS]
        assert names is None or set(names) <= known, f"GET {path}: {names}"
    assert gets >= 25  # the walk found the API, not an empty app


def test_every_command_reads_back_only_read_models_that_exist() -> None:
    known = {p.name for p in all_projections()}
    for command, route in ROUTES.items():
        assert route.read_back is None or set(route.read_back) <= known, command.__name__


def test_the_openapi_document_names_the_token_on_reads_and_the_position_on_writes(
    kyros: Kyros, base_url: str
) -> None:
    document = httpx.get(f"{base_url}/v1/schema/openapi.json").json()
    assert document["components"]["headers"][POSITION]["schema"]["type"] == "integer"
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch") and path.startswith("/v1/")
    ]  # /metrics is the Prometheus scrape, outside the API
    assert len(operations) >= 50
    for method, path, operation in operations:
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if method == "get":
            assert parameters[MIN_POSITION]["schema"]["minimum"] == 0, (method, path)
        else:  # the server honours it on writes too, but only reads need it
            assert MIN_POSITION not in parameters, (method, path)
        successes = [r for s, r in operation["responses"].items() if s.startswith("2")]
        stamped = [POSITION in r.get("headers", {}) for r in successes]
        assert stamped and all(stamped) == (method != "get"), (method, path)
        assert "Retry-After" in operation["responses"]["503"]["headers"]
