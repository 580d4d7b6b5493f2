"""Shared pieces of the agent worker protocol tests: submit, claim, complete, usage."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

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


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True
    return body["data"]


def submit(client: httpx.Client, task_id: str, role: str = "implementer", **body: Any) -> Any:
    response = client.post(f"/v1/agents/{role}/submit", json={"task_id": task_id, **body})
    return data(response, 202)


def claim(agent: httpx.Client, agent_id: str, wait: int = 0) -> Any:
    return data(agent.post(f"/v1/agents/{agent_id}/claim", params={"wait": wait}))["submission"]


def complete(agent: httpx.Client, submission_id: str, **usage: Any) -> httpx.Response:
    body = {"results": {"files_modified": 1}, "usage": {**USAGE, **usage}}
    return agent.post(f"/v1/submissions/{submission_id}/complete", json=body)
