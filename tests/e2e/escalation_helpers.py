"""Shared pieces of the escalation, budget and alert HTTP tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

PLAIN = {"title": "Fix a typo in the README", "files_to_modify": ["README.md"]}
UNKNOWN_ESCALATION = "esc_01ARZ3NDEKTSV4RRFFQ69G5FAV"


def body(response: httpx.Response, status: int = 200) -> Any:
    """The envelope's `data`, numbers parsed as exact decimals."""
    assert response.status_code == status, response.text
    envelope = response.json(parse_float=Decimal)
    assert envelope["success"] is True
    return envelope["data"]


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
