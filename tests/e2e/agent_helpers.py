"""Shared pieces of the agent worker protocol tests: agent clients, submit, claim, usage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx

from kyros.bootstrap import Kyros
from tests.conftest import make_api_key
from tests.http_client import http_client

USAGE: dict[str, Any] = {
    "model": "glm-4.5",
    "input_tokens": 123_457,
    "output_tokens": 45_679,
    "cached_tokens": 20_001,
    "response_seconds": 42.5,
}


def expected_cost(usage: dict[str, Any], input_1k: str, output_1k: str, cached_1k: str) -> Decimal:
    """Written out apart from kyros.domain.model_catalog.price: tokens times price per 1,000."""
    fresh = usage["input_tokens"] - usage["cached_tokens"]
    return (
        fresh * Decimal(input_1k)
        + usage["cached_tokens"] * Decimal(cached_1k)
        + usage["output_tokens"] * Decimal(output_1k)
    ) / 1000


@contextmanager
def agent_client(kyros: Kyros, base_url: str, name: str = "agent-key") -> Iterator[httpx.Client]:
    """A client authenticated with a real API key whose role is `agent`."""
    key = make_api_key(kyros, "agent", name=name).key
    headers = {"Authorization": f"Bearer {key}"}
    with http_client(base_url=base_url, timeout=90, headers=headers) as http:
        yield http


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True
    return body["data"]


def register(agent: httpx.Client, role: str = "implementer", capacity: int = 1) -> str:
    body = {"role": role, "capacity": capacity, "name": f"{role}-worker"}
    return str(data(agent.post("/v1/agents/register", json=body), 201)["agent_id"])


def submit(client: httpx.Client, task_id: str, role: str = "implementer", **body: Any) -> Any:
    response = client.post(f"/v1/agents/{role}/submit", json={"task_id": task_id, **body})
    return data(response, 202)


def claim(agent: httpx.Client, agent_id: str, wait: int = 0) -> Any:
    return data(agent.post(f"/v1/agents/{agent_id}/claim", params={"wait": wait}))["submission"]


def complete(agent: httpx.Client, submission_id: str, **usage: Any) -> httpx.Response:
    body = {"results": {"files_modified": 1}, "usage": {**USAGE, **usage}}
    return agent.post(f"/v1/submissions/{submission_id}/complete", json=body)
