"""Entities created over HTTP, for end-to-end tests: each POSTs with valid defaults that
keyword arguments override, checks the 201 envelope and returns its `data`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx

from kyros.bootstrap import Kyros
from tests.builders.commands import Credential, make_api_key
from tests.http_client import http_client


def _created(response: httpx.Response, *, exact: bool = False) -> Any:
    """The `data` of a 201 envelope; with `exact`, numbers parsed as decimals."""
    assert response.status_code == 201, response.text
    envelope = response.json(parse_float=Decimal) if exact else response.json()
    assert envelope["success"] is True
    return envelope["data"]


@contextmanager
def client_as(
    kyros: Kyros, base_url: str, role: str, *, name: str | None = None, timeout: float = 30
) -> Iterator[tuple[httpx.Client, Credential]]:
    """A client holding a fresh API key of `role` (made through the command layer), and that
    key."""
    credential = make_api_key(kyros, role, name=name or f"{role}-key")
    headers = {"Authorization": f"Bearer {credential.key}"}
    with http_client(base_url=base_url, timeout=timeout, headers=headers) as http:
        yield http, credential


@contextmanager
def agent_client(kyros: Kyros, base_url: str, name: str = "agent-key") -> Iterator[httpx.Client]:
    """A client with a fresh `agent` key, patient enough for long-polling claims."""
    with client_as(kyros, base_url, "agent", name=name, timeout=90) as (http, _):
        yield http


def create_task(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """A task titled "A task" unless `fields` say otherwise."""
    return _created(client.post("/v1/tasks", json={"title": "A task", **fields}))  # type: ignore[no-any-return]


def register_agent(agent: httpx.Client, role: str = "implementer", capacity: int = 1) -> str:
    """Registers `<role>-worker`; its agent id."""
    body = {"role": role, "capacity": capacity, "name": f"{role}-worker"}
    return str(_created(agent.post("/v1/agents/register", json=body))["agent_id"])


def escalate(client: httpx.Client, task_id: str, **fields: Any) -> Any:
    """Asks to escalate `task_id` for a security-critical change (numbers as decimals)."""
    payload = {"task_id": task_id, "reason": "Security-critical change", **fields}
    return _created(client.post("/v1/escalation/submit", json=payload), exact=True)


def create_budget(client: httpx.Client, **fields: Any) -> Any:
    """A daily system budget of 100 named "Daily" (numbers as decimals)."""
    payload = {"name": "Daily", "period": "daily", "limit": 100, **fields}
    return _created(client.post("/v1/budgets", json=payload), exact=True)


def create_webhook(
    client: httpx.Client, url: str, events: list[str], **extra: Any
) -> dict[str, Any]:
    """A webhook delivering `events` to `url`."""
    payload = {"url": url, "events": events, **extra}
    return _created(client.post("/v1/webhooks", json=payload))  # type: ignore[no-any-return]
