"""A known history for the monitoring analytics tests, seeded through the real HTTP API.

The event clock is the one thing replaced: `EventClock` pins the timestamps the event
machinery stamps, so the history can lie hours and days in the past while every request
still goes through the server. Times are offsets from T0, the start of the UTC hour five
hours before the test began, so each group of events lands in a known hourly bucket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import Credential, make_api_key
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, submit
from tests.http_client import http_client

PLAIN = {"files_to_modify": ["README.md"]}  # routed to the default model, glm-4.5
PREMIUM = {  # routed to the premium model, claude-4.1-opus
    "title": "Implement OAuth2 login with SAML and JWT session tokens",
    "files_to_modify": ["auth/oauth2.py"],
}


class EventClock:
    """What `eventsourcing` stamps on every new event, set by the test."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def event_clock(monkeypatch: pytest.MonkeyPatch) -> EventClock:
    clock = EventClock()
    monkeypatch.setattr("eventsourcing.domain.datetime_now_with_tzinfo", clock)
    return clock


@dataclass
class History:
    t0: datetime  # the start of the hourly bucket of A and B
    admin: str  # the `key_…` ids of the two submitters
    developer: str


def hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class Seeder:
    """Runs each task's life at chosen times: create, submit, claim, then complete or fail."""

    def __init__(self, kyros: Kyros, base_url: str, clock: EventClock, t0: datetime) -> None:
        self.kyros, self.base_url, self.clock, self.t0 = kyros, base_url, clock, t0

    def at(self, offset: timedelta) -> None:
        self.clock.at = self.t0 + offset

    def task(self, caller: httpx.Client, offset: timedelta, **fields: Any) -> str:
        self.at(offset)
        return str(create_task(caller, **fields)["id"])

    def run(
        self,
        caller: httpx.Client,
        agent: httpx.Client,
        agent_id: str,
        task_id: str,
        role: str,
        offset: timedelta,
        usage: dict[str, Any] | None,
    ) -> None:
        """Submitted at offset+1m, claimed at +2m; completed with `usage` (or failed) at +9m."""
        self.at(offset + timedelta(minutes=1))
        submit(caller, task_id, role)
        self.at(offset + timedelta(minutes=2))
        held = claim(agent, agent_id, wait=5)
        assert held["task_id"] == task_id
        self.at(offset + timedelta(minutes=9))
        if usage is None:
            body = {"error": "tests fail", "retryable": False}
            data(agent.post(f"/v1/submissions/{held['submission_id']}/fail", json=body))
        else:
            data(complete(agent, held["submission_id"], **usage))


def glm(input_tokens: int, cached: int, output: int, seconds: float | None) -> dict[str, Any]:
    return {
        "model": "glm-4.5",
        "input_tokens": input_tokens,
        "cached_tokens": cached,
        "output_tokens": output,
        "response_seconds": seconds,
    }


OLD = A = D = {"type": "implementation", **PLAIN}
B = {"type": "testing", **PLAIN}
C = {"type": "design", **PLAIN}
CLAUDE_Q = {
    "model": "claude-4.1-opus",
    "input_tokens": 20_000,
    "cached_tokens": 0,
    "output_tokens": 4_000,
    "response_seconds": 60,
}


def seed_history(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, clock: EventClock
) -> History:
    """Old (3 days before T0): O, implementation by the admin, completed on glm.
    T0 hour: A (implementation) and B (testing), by the admin, completed on glm.
    T0+2h: C (design, architect role, by the developer) completed on glm without reporting
    response seconds (claimed at +2m, completed at +9m: 420 s); D failed; P routed to the
    premium model, its escalation waiting for approval.
    T0+3h: escalations no longer need approval; Q (by the developer) is routed to claude,
    approved by rule and completed on claude.
    T0+4h: E created, never submitted.
    """
    t0 = hour(datetime.now(UTC)) - timedelta(hours=5)
    developer = make_api_key(kyros, "developer", name="analyst")
    seeder = Seeder(kyros, base_url, clock, t0)
    h, m = timedelta(hours=1), timedelta(minutes=1)
    headers = {"Authorization": f"Bearer {developer.key}"}
    with (
        http_client(base_url=base_url, timeout=30, headers=headers) as dev,
        agent_client(kyros, base_url) as agent,
    ):
        implementer, architect = register_agent(agent), register_agent(agent, "architect")

        def attempt(
            caller: httpx.Client, role: str, offset: timedelta, usage: Any, **task: Any
        ) -> None:
            task_id = seeder.task(caller, offset, **task)
            agent_id = architect if role == "architect" else implementer
            seeder.run(caller, agent, agent_id, task_id, role, offset, usage)

        attempt(client, "implementer", -72 * h, glm(100_000, 0, 10_000, 5.0), **OLD)
        attempt(client, "implementer", 0 * h, glm(1_000_000, 200_000, 100_000, 30.5), **A)
        attempt(client, "implementer", 15 * m, glm(500_000, 0, 250_000, 12.25), **B)
        attempt(dev, "architect", 2 * h, glm(300_000, 100_000, 50_000, None), **C)
        attempt(client, "implementer", 2 * h + 15 * m, None, **D)
        p = seeder.task(client, 2 * h + 30 * m, **PREMIUM)
        seeder.at(2 * h + 31 * m)
        assert submit(client, p)["status"] == "awaiting_approval"
        seeder.at(3 * h)
        data(client.put("/v1/configuration", json={"escalation": {"approval_required": False}}))
        attempt(dev, "implementer", 3 * h + 5 * m, CLAUDE_Q, **PREMIUM)
        seeder.task(client, 4 * h + m, type="review")
    return History(t0=t0, admin=admin.id, developer=developer.id)


def figures(response: httpx.Response) -> Any:
    """The answer's `data` with every JSON decimal parsed exactly, to compare to the cent."""
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)["data"]


def series(body: dict[str, Any], metric: str) -> dict[str, Any]:
    """A metric's values by bucket start, so expectations do not depend on which bucket
    holds "now"."""
    values = body["metrics"][metric]["data"]
    return dict(zip(body["buckets"], values, strict=True))


def iso_hour(t0: datetime, hours: int) -> str:
    return (t0 + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
