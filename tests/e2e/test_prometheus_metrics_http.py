"""GET /metrics on a real server, read with the Prometheus client's parser."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import Credential
from tests.builders.http import agent_client, create_task, register_agent
from tests.conftest import LiveServer
from tests.e2e.agent_helpers import USAGE, claim, complete, data, expected_cost, submit
from tests.e2e.helpers import UNKNOWN_TASK_ID
from tests.http_client import http_client
from tests.prometheus_scrape import Samples, scrape, value

pytestmark = pytest.mark.both_stores  # the figures are read-model SQL run on both

TASK_ROUTE = "/v1/tasks/{task_id}"


def scrape_until(
    client: httpx.Client, condition: Callable[[Samples], bool], timeout: float = 10
) -> Samples:
    deadline = time.monotonic() + timeout
    while not condition(samples := scrape(client)):
        assert time.monotonic() < deadline, "metrics never showed the expected figures"
        time.sleep(0.05)
    return samples


def test_requests_are_counted_and_timed_by_route_template_never_by_raw_path(
    kyros: Kyros, client: httpx.Client
) -> None:
    task = create_task(client)
    assert client.get(f"/v1/tasks/{task['id']}").status_code == 200
    assert client.get(f"/v1/tasks/{task['id']}").status_code == 200
    assert client.get(f"/v1/tasks/{UNKNOWN_TASK_ID}").status_code == 404

    samples = scrape(client)
    requests = "kyros_http_requests_total"
    assert value(samples, requests, method="GET", route=TASK_ROUTE, status="200") == 2
    assert value(samples, requests, method="GET", route=TASK_ROUTE, status="404") == 1
    assert value(samples, requests, method="POST", route="/v1/tasks", status="201") == 1
    latency = "kyros_http_request_duration_seconds_count"
    assert value(samples, latency, method="GET", route=TASK_ROUTE, status="200") == 2
    labels = {v for _, pairs in samples for _, v in pairs}
    assert not [v for v in labels if task["id"] in v or UNKNOWN_TASK_ID in v]

    created = value(samples, "kyros_events_appended_total", event_type="Task.Created")
    assert created is not None and created >= 1
    head = kyros.app.head()
    assert value(samples, "kyros_log_head_position") == head
    for name in kyros.engine.projections:
        position = value(samples, "kyros_projection_position", projection=name)
        lag = value(samples, "kyros_projection_lag_events", projection=name)
        assert position is not None and lag is not None
        assert position + lag == head
        assert value(samples, "kyros_worker_running", worker=f"projection:{name}") == 1


def test_model_calls_tokens_and_cost_are_the_clusters_and_survive_a_restart(
    kyros: Kyros, base_url: str, client: httpx.Client, settings: Settings, admin: Credential
) -> None:
    done, failed = create_task(client), create_task(client)
    submit(client, done["id"])
    submit(client, failed["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        data(complete(agent, claim(agent, agent_id, wait=5)["submission_id"]))
        second = claim(agent, agent_id, wait=5)["submission_id"]
        data(agent.post(f"/v1/submissions/{second}/fail", json={"error": "x"}))

    def calls(samples: Samples, outcome: str) -> float | None:
        return value(samples, "kyros_model_calls_total", model="glm-4.5", outcome=outcome)

    samples = scrape_until(client, lambda s: calls(s, "completed") == 1 == calls(s, "failed"))
    for kind, field in (("input", "input_tokens"), ("output", "output_tokens")):
        tokens = value(
            samples, "kyros_model_tokens_total", model="glm-4.5", outcome="completed", kind=kind
        )
        assert tokens == USAGE[field]
    cached = value(
        samples, "kyros_model_tokens_total", model="glm-4.5", outcome="completed", kind="cached"
    )
    assert cached == USAGE["cached_tokens"]
    cost = value(samples, "kyros_model_cost_usd_total", model="glm-4.5", outcome="completed")
    assert cost == pytest.approx(float(expected_cost(USAGE, "0.001", "0.002", "0.0001")))
    assert value(samples, "kyros_model_cost_usd_total", model="glm-4.5", outcome="failed") == 0

    # Another process on the same store (or this one restarted) reports the same totals.
    headers = {"Authorization": f"Bearer {admin.key}"}
    with (
        Kyros(settings) as other,
        LiveServer(other) as other_url,
        http_client(base_url=other_url, headers=headers, timeout=10) as elsewhere,
    ):
        again = scrape_until(elsewhere, lambda s: calls(s, "completed") == 1)
    assert calls(again, "failed") == 1
    assert value(
        again, "kyros_model_cost_usd_total", model="glm-4.5", outcome="completed"
    ) == pytest.approx(cost)
    # Appends are counted per process: the other one appended no task.
    assert value(again, "kyros_events_appended_total", event_type="Task.Created") is None


def test_metrics_need_a_caller_with_read_monitoring(
    kyros: Kyros, base_url: str, anonymous: httpx.Client
) -> None:
    refused = anonymous.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "UNAUTHORIZED"
    with agent_client(kyros, base_url) as agent:
        assert agent.get("/metrics").status_code == 403
