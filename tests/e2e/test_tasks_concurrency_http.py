"""Concurrent writers to one task: optimistic concurrency over the real socket."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest

from tests.builders.http import create_task
from tests.e2e.helpers import get_task
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores  # concurrent writers: each store's locking

WRITERS = 10


def _race(
    client: httpx.Client, requests: list[tuple[str, str, dict[str, object]]]
) -> list[httpx.Response]:
    """Fires every request at once, each from its own thread and connection (same caller)."""
    barrier = threading.Barrier(len(requests))
    responses: list[httpx.Response | None] = [None] * len(requests)
    failures: list[BaseException] = []

    def send(index: int, method: str, path: str, body: dict[str, object]) -> None:
        try:
            with http_client(base_url=client.base_url, headers=client.headers, timeout=30) as http:
                barrier.wait(timeout=10)
                responses[index] = http.request(method, path, json=body)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [
        threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


def test_concurrent_renames_either_succeed_or_conflict_and_the_version_counts_the_successes(
    client: httpx.Client,
) -> None:
    task = create_task(client, title="Original")
    path = f"/v1/tasks/{task['id']}"
    titles = [f"Title from writer {i}" for i in range(WRITERS)]

    responses = _race(client, [("PUT", path, {"title": title}) for title in titles])

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            body = response.json()
            assert body["success"] is False
            assert body["error"]["code"] == "CONFLICT"
            assert response.headers["x-request-id"] == body["request_id"]
        else:
            assert response.json()["success"] is True
    assert statuses[200] >= 1

    final = get_task(client, task["id"])
    assert final["version"] == 1 + statuses[200]
    winners = {titles.index(r.json()["data"]["title"]) for r in responses if r.status_code == 200}
    assert final["title"] in titles
    assert titles.index(final["title"]) in winners


def test_a_conflicting_writer_can_reload_and_retry(client: httpx.Client) -> None:
    task = create_task(client, title="Original")
    path = f"/v1/tasks/{task['id']}"

    responses = _race(client, [("PUT", path, {"title": f"Racer {i}"}) for i in range(WRITERS)])
    losers = [i for i, r in enumerate(responses) if r.status_code == 409]

    for i in losers:
        retry = client.put(path, json={"title": f"Retried {i}"})
        assert retry.status_code == 200, retry.text
    final = get_task(client, task["id"])
    assert final["version"] == 1 + WRITERS


def test_concurrent_cancels_cancel_exactly_once(client: httpx.Client) -> None:
    task = create_task(client)
    path = f"/v1/tasks/{task['id']}"

    responses = _race(client, [("DELETE", path, {"reason": f"reason {i}"}) for i in range(WRITERS)])

    codes = Counter("ok" if r.status_code == 200 else r.json()["error"]["code"] for r in responses)
    assert codes["ok"] == 1, codes
    assert set(codes) <= {"ok", "CONFLICT", "INVALID_STATE"}, codes
    final = get_task(client, task["id"])
    assert final["status"] == "cancelled"
    assert final["version"] == 2
