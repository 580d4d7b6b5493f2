"""monitoring.metrics_retention_days over a real socket: old buckets leave the metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, submit
from tests.e2e.analytics_history import EventClock, event_clock
from tests.e2e.helpers import get_task

pytestmark = pytest.mark.both_stores  # retention deletes by time in read-model SQL

__all__ = ["event_clock"]  # a fixture, imported for these tests

WEEK = {"period": "7d", "granularity": "1d", "metrics": "tasks_completed,tasks_created"}


def finish_at(
    kyros: Kyros, base_url: str, client: httpx.Client, clock: EventClock, ago: timedelta
) -> str:
    """One task created, submitted, claimed and completed, every event stamped `ago`."""
    clock.at = datetime.now(UTC) - ago
    try:
        task = create_task(client, title="Fix a typo", files_to_modify=["README.md"])
        submit(client, task["id"])
        with agent_client(kyros, base_url, name=f"agent-{time.monotonic_ns()}") as agent:
            held = claim(agent, register_agent(agent), wait=5)
            data(complete(agent, held["submission_id"], response_seconds=1.0))
    finally:
        clock.at = datetime.now(UTC)
    return str(task["id"])


def week(client: httpx.Client) -> dict[str, Any]:
    return data(client.get("/v1/monitoring/metrics", params=WEEK))  # type: ignore[no-any-return]


def completed(body: dict[str, Any]) -> int:
    return sum(body["metrics"]["tasks_completed"]["data"])


def until(read: Callable[[], Any], condition: Callable[[Any], bool], timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while not condition(value := read()):
        assert time.monotonic() < deadline, value
        time.sleep(0.1)
    return value


def stored_attempts(kyros: Kyros) -> int:
    with kyros.db.transaction(write=False) as tx:
        row = tx.execute("SELECT COUNT(*) AS n FROM rm_analytics_attempts").fetchone()
    return int(row["n"]) if row else 0


def set_retention(client: httpx.Client, days: int) -> None:
    body = {"monitoring": {"metrics_retention_days": days}}
    assert (
        data(client.put("/v1/configuration", json=body))["monitoring"]["metrics_retention_days"]
        == days
    )


def test_within_the_retention_every_bucket_is_answered_and_says_so(
    kyros: Kyros, base_url: str, client: httpx.Client, event_clock: EventClock
) -> None:
    finish_at(kyros, base_url, client, event_clock, timedelta(days=3))
    body = until(lambda: week(client), lambda b: completed(b) == 1)
    assert len(body["buckets"]) == 7
    assert body["retention"]["days"] == 90
    assert body["retention"]["truncated"] is False
    costs = data(client.get("/v1/monitoring/costs", params={"period": "7d"}))
    assert costs["task_counts"]["completed"] == 1
    assert costs["retention"]["truncated"] is False


def test_buckets_older_than_the_retention_leave_the_metrics_and_a_rebuild_keeps_them_out(
    kyros: Kyros, base_url: str, client: httpx.Client, event_clock: EventClock
) -> None:
    old = finish_at(kyros, base_url, client, event_clock, timedelta(days=3))
    finish_at(kyros, base_url, client, event_clock, timedelta(minutes=5))
    assert completed(until(lambda: week(client), lambda b: completed(b) == 2)) == 2

    set_retention(client, 1)
    body = week(client)
    assert completed(body) == 1  # answered from within the retention at once
    assert body["retention"]["days"] == 1
    assert body["retention"]["truncated"] is True
    since = datetime.fromisoformat(body["retention"]["retained_from"])
    assert datetime.now(UTC) - since < timedelta(days=1, minutes=5)
    assert len(body["buckets"]) == 2  # the day the retention starts in, and today
    assert datetime.fromisoformat(body["buckets"][0]) + timedelta(days=1) > since

    until(lambda: stored_attempts(kyros), lambda n: n == 1)  # the scheduler purged the old one
    kyros.engine.reset("analytics")
    kyros.engine.catch_up("analytics", 500)
    assert stored_attempts(kyros) == 1  # a rebuild does not bring it back
    assert completed(week(client)) == 1
    costs = data(client.get("/v1/monitoring/costs", params={"period": "7d"}))
    assert costs["task_counts"]["completed"] == 1  # cost analysis reads the same facts
    assert (costs["retention"]["days"], costs["retention"]["truncated"]) == (1, True)
    assert get_task(client, old)["status"] == "completed"  # the log and other models keep it


def test_raising_the_retention_again_keeps_new_facts_but_not_the_purged_ones(
    kyros: Kyros, base_url: str, client: httpx.Client, event_clock: EventClock
) -> None:
    finish_at(kyros, base_url, client, event_clock, timedelta(days=3))
    set_retention(client, 1)

    until(lambda: stored_attempts(kyros), lambda n: n == 0)  # the scheduler purged it
    set_retention(client, 90)
    finish_at(kyros, base_url, client, event_clock, timedelta(hours=2))
    body = until(lambda: week(client), lambda b: completed(b) == 1)
    assert body["retention"]["days"] == 90
    assert body["retention"]["truncated"] is True  # what was purged stays purged
    finish_at(kyros, base_url, client, event_clock, timedelta(minutes=5))
    assert completed(until(lambda: week(client), lambda b: completed(b) == 2)) == 2
