"""Idempotency-Key over a real socket: a retried POST is answered again, never applied twice."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.http import client_as, create_task, escalate
from tests.conftest import LiveServer
from tests.e2e.escalation_helpers import PLAIN
from tests.e2e.helpers import assert_error, spec_task, total_tasks
from tests.e2e.test_alerts_http import _raise
from tests.http_client import http_client

KEY = "5f0c2a8e-7d1b-4c1e-9a37-2b6f3d9e8a41"


def _post(client: httpx.Client, path: str, body: object, key: str = KEY) -> httpx.Response:
    return client.post(path, json=body, headers={"Idempotency-Key": key})


def _replayed(first: httpx.Response, again: httpx.Response) -> None:
    """The same status and the very same body, marked as a replay."""
    assert again.status_code == first.status_code, again.text
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers


def _unchanged(kyros: Kyros, retry: Callable[[], httpx.Response]) -> httpx.Response:
    """Runs `retry` and checks that it appended nothing to the log."""
    head = kyros.app.head()
    response = retry()
    assert kyros.app.head() == head, response.text
    return response


def test_a_retry_with_the_same_key_and_body_replays_the_answer_and_creates_one_task(
    kyros: Kyros, client: httpx.Client
) -> None:
    first = _post(client, "/v1/tasks", spec_task())
    assert first.status_code == 201, first.text
    again = _unchanged(kyros, lambda: _post(client, "/v1/tasks", spec_task()))
    _replayed(first, again)
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert total_tasks(client) == 1


def test_a_retry_after_a_lost_answer_returns_the_original_task(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    """The first answer is really lost: the client hangs up without reading it."""
    url = urlsplit(base_url)
    payload = httpx.Request(
        "POST",
        f"{base_url}/v1/tasks",
        json={"title": "Sent once, answer lost"},
        headers={**client.headers, "Idempotency-Key": KEY},
    )
    head = f"POST /v1/tasks HTTP/1.1\r\nHost: {url.netloc}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in payload.headers.items() if k.lower() != "host")
    deadline = time.monotonic() + 20
    with socket.create_connection((url.hostname, url.port)) as raw:
        raw.sendall(head.encode() + b"\r\n" + payload.read())
        while total_tasks(client) == 0:  # hang up once the request has taken effect
            assert time.monotonic() < deadline, "the first request never ran"
            time.sleep(0.05)

    retried = _post(client, "/v1/tasks", {"title": "Sent once, answer lost"})
    while retried.status_code == 409:  # the first request may still be answering
        assert time.monotonic() < deadline, retried.text
        time.sleep(0.05)
        retried = _post(client, "/v1/tasks", {"title": "Sent once, answer lost"})
    assert retried.status_code == 201, retried.text
    assert retried.headers["idempotent-replayed"] == "true"
    (task,) = client.get("/v1/tasks").json()["data"]["tasks"]
    assert retried.json()["data"]["id"] == task["id"]


def test_a_json_body_is_the_same_request_whatever_its_key_order_and_spacing(
    client: httpx.Client,
) -> None:
    headers = {"Idempotency-Key": KEY, "Content-Type": "application/json"}
    first = client.post("/v1/tasks", content=b'{"title": "T", "priority": "low"}', headers=headers)
    again = client.post("/v1/tasks", content=b'{"priority":"low","title":"T"}', headers=headers)
    assert first.status_code == 201, first.text
    _replayed(first, again)


def test_the_same_key_with_another_body_is_refused_naming_the_header(
    kyros: Kyros, client: httpx.Client
) -> None:
    assert _post(client, "/v1/tasks", {"title": "First"}).status_code == 201
    refused = _unchanged(kyros, lambda: _post(client, "/v1/tasks", {"title": "Second"}))
    assert_error(refused, 422, "VALIDATION_ERROR", "Idempotency-Key")
    assert total_tasks(client) == 1


@pytest.mark.parametrize(
    "value",
    [b"", b" ", b"x" * 256, "clé".encode(), b"tab\there"],
    ids=["empty", "blank", "too-long", "non-ascii", "control"],
)
def test_a_bad_key_is_refused_naming_the_header_and_creates_nothing(
    kyros: Kyros, base_url: str, client: httpx.Client, value: bytes
) -> None:
    head = kyros.app.head()
    refused = _post_raw_key(base_url, client, value)
    assert_error(refused, 422, "VALIDATION_ERROR", "Idempotency-Key")
    assert kyros.app.head() == head
    assert total_tasks(client) == 0


def test_a_key_that_is_not_valid_http_is_refused_by_the_parser_and_creates_nothing(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    """DEL is not allowed in a header value (RFC 9110 §5.5): httptools refuses the request
    before it reaches Kyros, with a plain 400."""
    head = kyros.app.head()
    refused = _post_raw_key(base_url, client, b"\x7f")
    assert refused.status_code == 400, refused.text
    assert kyros.app.head() == head
    assert total_tasks(client) == 0


def _post_raw_key(base_url: str, client: httpx.Client, value: bytes) -> httpx.Response:
    """Sent with http.client: httpx refuses to send some of these values at all."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    connection.putrequest("POST", "/v1/tasks")
    connection.putheader("Idempotency-Key", value)
    connection.putheader("Authorization", client.headers["authorization"])
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", "14")
    connection.endheaders(b'{"title": "T"}')
    answer = connection.getresponse()
    refused = httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())
    connection.close()
    return refused


def test_two_key_headers_are_refused_and_a_quoted_key_is_the_bare_one(
    client: httpx.Client,
) -> None:
    two = [("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
    assert_error(client.post("/v1/tasks", json={"title": "T"}, headers=two), 422,
                 "VALIDATION_ERROR", "Idempotency-Key")  # fmt: skip
    first = _post(client, "/v1/tasks", {"title": "T"}, key="x" * 255)
    assert first.status_code == 201, first.text
    _replayed(first, _post(client, "/v1/tasks", {"title": "T"}, key=f'"{"x" * 255}"'))


@pytest.mark.both_stores  # concurrent writers: each store's locking
def test_concurrent_requests_with_one_key_create_one_task(client: httpx.Client) -> None:
    barrier = threading.Barrier(8)
    answers: list[httpx.Response] = []

    def send() -> None:
        with http_client(base_url=client.base_url, headers=client.headers, timeout=30) as http:
            barrier.wait(timeout=10)
            answers.append(_post(http, "/v1/tasks", {"title": "Once"}))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 8
    fresh = [a for a in answers if a.status_code == 201 and "idempotent-replayed" not in a.headers]
    assert len(fresh) == 1, [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert_error(answer, 409, "CONFLICT", "Idempotency-Key")
        elif answer is not fresh[0]:
            _replayed(fresh[0], answer)
    assert total_tasks(client) == 1


def test_another_caller_with_the_same_key_gets_its_own_task(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    mine = _post(client, "/v1/tasks", {"title": "T"})
    with client_as(kyros, base_url, "admin") as (other, _):
        theirs = _post(other, "/v1/tasks", {"title": "T"})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["data"]["id"] != theirs.json()["data"]["id"]
    assert "idempotent-replayed" not in theirs.headers
    assert total_tasks(client) == 2


@pytest.mark.both_stores  # the records persist in each store
def test_a_new_kyros_on_the_same_store_still_replays(
    settings: Settings, client: httpx.Client
) -> None:
    first = _post(client, "/v1/tasks", {"title": "Before the restart"})
    with (
        Kyros(settings) as restarted,
        LiveServer(restarted) as url,
        http_client(base_url=url, headers=client.headers, timeout=10) as again,
    ):
        _replayed(first, _post(again, "/v1/tasks", {"title": "Before the restart"}))
        assert total_tasks(again) == 1


def test_a_failed_request_records_nothing_and_may_be_retried_with_its_key(
    client: httpx.Client,
) -> None:
    bad = _post(client, "/v1/tasks", {"title": "T", "priority": "urgent-ish"})
    assert_error(bad, 422, "VALIDATION_ERROR", "priority")
    good = _post(client, "/v1/tasks", {"title": "T"})
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers


def test_a_replayed_submission_to_an_agent_queues_nothing_new(
    kyros: Kyros, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    path = "/v1/agents/implementer/submit"
    first = _post(client, path, {"task_id": task["id"]})
    assert first.status_code == 202, first.text
    _replayed(first, _unchanged(kyros, lambda: _post(client, path, {"task_id": task["id"]})))


def test_a_replayed_escalation_and_its_replayed_approval_record_nothing_new(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    task = create_task(client, **PLAIN)
    body = {"task_id": task["id"], "reason": "Security-critical change"}
    opened = _post(client, "/v1/escalation/submit", body)
    assert opened.status_code == 201, opened.text
    _replayed(opened, _unchanged(kyros, lambda: _post(client, "/v1/escalation/submit", body)))

    path = f"/v1/escalation/{opened.json()['data']['escalation_id']}/approve"
    with client_as(kyros, base_url, "approver") as (approver, _):
        approved = _post(approver, path, {"decision": "approved"})
        assert approved.status_code == 200, approved.text
        _replayed(
            approved, _unchanged(kyros, lambda: _post(approver, path, {"decision": "approved"}))
        )
        without_key = approver.post(path, json={"decision": "approved"})
    assert_error(without_key, 409, "ESCALATION_ALREADY_DECIDED", "decision")


def test_one_key_on_two_escalations_approves_each(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    """A key belongs to one path: the same key on another resource is another request."""
    first = escalate(client, create_task(client, **PLAIN)["id"])
    second = escalate(client, create_task(client, **PLAIN)["id"])
    with client_as(kyros, base_url, "approver") as (approver, _):
        for opened in (first, second):
            path = f"/v1/escalation/{opened['escalation_id']}/approve"
            answer = _post(approver, path, {"decision": "approved"})
            assert answer.status_code == 200 and "idempotent-replayed" not in answer.headers


def test_a_replayed_budget_is_created_once(kyros: Kyros, client: httpx.Client) -> None:
    body = {"name": "Daily", "period": "daily", "limit": 100}
    first = _post(client, "/v1/budgets", body)
    assert first.status_code == 201, first.text
    _replayed(first, _unchanged(kyros, lambda: _post(client, "/v1/budgets", body)))
    assert len(client.get("/v1/budgets").json()["data"]["budgets"]) == 1


def test_a_replayed_api_key_creation_names_the_key_without_showing_its_secret_again(
    kyros: Kyros, client: httpx.Client
) -> None:
    body = {"name": "ci", "role": "viewer"}
    first = _post(client, "/v1/api-keys", body)
    assert first.status_code == 201, first.text
    made = first.json()["data"]
    again = _unchanged(kyros, lambda: _post(client, "/v1/api-keys", body))
    assert_error(again, 409, "CONFLICT", "Idempotency-Key")
    assert again.json()["error"]["details"]["resource_id"] == made["id"]
    assert made["key"] not in again.text
    stored = kyros.app.recorder.select_notifications(start=1, limit=1_000_000)
    assert all(made["key"].encode() not in n.state for n in stored)


def test_a_replayed_acknowledgement_and_resolution_record_nothing_new(
    kyros: Kyros, client: httpx.Client
) -> None:
    _raise(kyros)
    (alert,) = client.get("/v1/monitoring/alerts").json()["data"]["alerts"]
    for action in ("acknowledge", "resolve"):
        path = f"/v1/monitoring/alerts/{alert['id']}/{action}"
        first = _post(client, path, {"note": "seen"}, key=f"{KEY}-{action}")
        assert first.status_code == 200, first.text
        again = _unchanged(kyros, partial(_post, client, path, {"note": "seen"}, f"{KEY}-{action}"))
        _replayed(first, again)
