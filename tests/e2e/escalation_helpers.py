"""Shared pieces of the escalation, budget and alert HTTP tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx

from kyros.bootstrap import Kyros
from tests.conftest import Credential, make_api_key
from tests.http_client import http_client

PLAIN = {"title": "Fix a typo in the README", "files_to_modify": ["README.md"]}
UNKNOWN_ESCALATION = "esc_01ARZ3NDEKTSV4RRFFQ69G5FAV"


def body(response: httpx.Response, status: int = 200) -> Any:
    """The envelope's `data`, numbers parsed as exact decimals."""
    assert response.status_code == status, response.text
    envelope = response.json(parse_float=Decimal)
    assert envelope["success"] is True
    return envelope["data"]


@contextmanager
def client_as(kyros: Kyros, base_url: str, role: str) -> Iterator[tuple[httpx.Client, Credential]]:
    """A client holding a fresh API key of `role`, and that key."""
    credential = make_api_key(kyros, role, name=f"{role}-key")
    headers = {"Authorization": f"Bearer {credential.key}"}
    with http_client(base_url=base_url, timeout=30, headers=headers) as http:
        yield http, credential


def escalate(client: httpx.Client, task_id: str, **fields: Any) -> Any:
    payload = {"task_id": task_id, "reason": "Security-critical change", **fields}
    return body(client.post("/v1/escalation/submit", json=payload), 201)


def decide(
    client: httpx.Client, escalation_id: str, decision: str, **fields: Any
) -> httpx.Response:
    payload = {"decision": decision, **fields}
    return client.post(f"/v1/escalation/{escalation_id}/approve", json=payload)


def status_of(client: httpx.Client, escalation_id: str) -> Any:
    return body(client.get(f"/v1/escalation/{escalation_id}/status"))


def configure(client: httpx.Client, **escalation: Any) -> None:
    response = client.put("/v1/configuration", json={"escalation": escalation})
    assert response.status_code == 200, response.text


def create_budget(client: httpx.Client, **fields: Any) -> Any:
    payload = {"name": "Daily", "period": "daily", "limit": 100, **fields}
    return body(client.post("/v1/budgets", json=payload), 201)
