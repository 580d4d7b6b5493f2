"""A task's create, update and cancel answer from what the command decided, without waiting
for the tasks read model: the answer is the very representation a later read returns, and a
read without a consistency token still waits for the writes this server has answered."""

from __future__ import annotations

import threading
import time

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.e2e.read_model_helpers import stop_read_model

POSITION, MIN_POSITION = "X-Kyros-Position", "X-Kyros-Min-Position"
PATIENT = 20.0  # the bound on waits here: long enough that only a real lag reaches it


class _Envelope(msgspec.Struct):
    data: msgspec.Raw  # the answer's bytes as sent


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, read_your_writes_seconds=PATIENT)


def _data(answer: httpx.Response) -> bytes:
    return bytes(msgspec.json.decode(answer.content, type=_Envelope).data)


@pytest.mark.both_stores  # each store keeps its own read-model documents
def test_the_create_answers_the_bytes_a_later_read_answers(client: httpx.Client) -> None:
    dependency = client.post("/v1/tasks", json={"title": "first"}).json()["data"]["id"]
    body = {
        "title": "Everything set",
        "description": "ünïcode, \\u0000-free",
        "type": "testing",
        "priority": "critical",
        "assignee_role": "critic",
        "files_to_modify": ["a.py", "b/c.py"],
        "acceptance_criteria": ["passes"],
        "dependencies": [dependency],
        "tags": ["z", "a", "a"],
        "deadline": "2031-02-03T04:05:06.789+02:00",
        "metadata": {
            "estimated_hours": 2.5,
            "tiny": 1e-7,
            "huge": 12345678901234567890,
            "ratio": 0.1,
            "nested": {"list": [1, 2.0, None, True, "x"]},
        },
    }

    created = client.post("/v1/tasks", json=body)

    assert created.status_code == 201, created.text
    token = {MIN_POSITION: created.headers[POSITION]}
    task_id = created.json()["data"]["id"]
    read = client.get(f"/v1/tasks/{task_id}", headers=token)
    assert read.status_code == 200, read.text
    assert _data(created) == _data(read)


@pytest.mark.both_stores
def test_updates_and_a_cancel_answer_the_bytes_a_later_read_answers(client: httpx.Client) -> None:
    created = client.post("/v1/tasks", json={"title": "edited", "metadata": {"x": 1e-7}})
    path = f"/v1/tasks/{created.json()['data']['id']}"
    edits = [
        {"title": "renamed", "tags": ["b", "a"], "metadata": {"estimated_hours": 1.25}},
        {"status": "in_progress", "assigned_to": "agent_x"},
        {"progress": {"completed_steps": 1, "total_steps": 3, "current_step": "half"}},
        {"description": "unchanged twice"},
        {"description": "unchanged twice"},  # changes nothing: answers the task as it is
    ]
    for edit in edits:
        answer = client.put(path, json=edit)
        assert answer.status_code == 200, answer.text
        token = {MIN_POSITION: answer.headers.get(POSITION, created.headers[POSITION])}
        assert _data(answer) == _data(client.get(path, headers=token))
    cancelled = client.request("DELETE", path, json={"reason": "enough"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["data"]["status"] == "cancelled"
    token = {MIN_POSITION: cancelled.headers[POSITION]}
    assert _data(cancelled) == _data(client.get(path, headers=token))


def test_a_read_without_a_token_waits_for_a_create_answered_before_it(
    kyros: Kyros, client: httpx.Client
) -> None:
    """Held where the create left it, the tasks read model catches up only later: the read
    that follows the create, sending nothing, waits for it (as the create used to)."""
    stop_read_model(kyros, "tasks")
    created = client.post("/v1/tasks", json={"title": "read me back"})
    assert created.status_code == 201

    def catch_up_later() -> None:
        time.sleep(0.3)
        kyros.engine.catch_up("tasks", 100)

    helper = threading.Thread(target=catch_up_later)
    helper.start()
    try:
        read = client.get(f"/v1/tasks/{created.json()['data']['id']}")
        listed = client.get("/v1/tasks")
    finally:
        helper.join()
    assert read.status_code == 200, read.text
    assert _data(read) == _data(created)
    assert listed.json()["data"]["pagination"]["total"] == 1


def test_writes_do_not_wait_for_the_creates_answered_before_them(
    kyros: Kyros, client: httpx.Client
) -> None:
    """Only reads wait for what was answered ahead: a write decides over the log."""
    stop_read_model(kyros, "tasks")
    first = client.post("/v1/tasks", json={"title": "one"})
    second = client.post("/v1/tasks", json={"title": "two"})  # would wait PATIENT seconds
    assert (first.status_code, second.status_code) == (201, 201)
    assert int(second.headers[POSITION]) > int(first.headers[POSITION])
