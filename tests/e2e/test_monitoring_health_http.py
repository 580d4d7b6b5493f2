"""GET /v1/monitoring/health on a real server: real checks of workers, database and models."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.readstore.database import SQLITE_POOL_SIZE
from kyros.settings import Settings
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, submit

pytestmark = pytest.mark.both_stores  # the health report branches on the store

DISABLED_MODEL = "claude-4.1-opus"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """One catalog model is disabled, so the report shows both model statuses."""
    models = tmp_path / "models.json"
    models.write_text(json.dumps({"models": [{"name": DISABLED_MODEL, "status": "disabled"}]}))
    return msgspec.structs.replace(settings, models_file=models)


def health(client: httpx.Client) -> dict[str, Any]:
    return data(client.get("/v1/monitoring/health"))  # type: ignore[no-any-return]


def health_until(
    client: httpx.Client, condition: Callable[[dict[str, Any]], bool], timeout: float = 10
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not condition(report := health(client)):
        assert time.monotonic() < deadline, json.dumps(report, indent=1)
        time.sleep(0.05)
    return report


def test_a_server_whose_components_all_run_reports_healthy_with_real_figures(
    kyros: Kyros, client: httpx.Client, store: str
) -> None:
    report = health_until(client, lambda r: r["overall_status"] == "healthy")
    assert report["issues"] == []
    services = report["services"]
    expected = {
        "api",
        "projection_workers",
        "scheduler",
        "webhook_dispatcher",
        "websocket_hub",
        "audit_chain",
        "agent_runner",
    }
    assert set(services) == expected | ({"log_listener"} if store == "postgres" else set())
    assert services["api"]["status"] == "healthy"
    assert services["api"]["uptime_seconds"] >= 0
    assert services["api"]["started_at"].endswith("Z")
    workers = services["projection_workers"]
    assert (workers["status"], workers["not_running"]) == ("healthy", [])
    assert workers["running"] == workers["total"] == len(kyros.engine.projections)
    for name in ("scheduler", "webhook_dispatcher", "websocket_hub", "audit_chain"):
        assert (services[name]["status"], services[name]["state"]) == ("healthy", "running")
        assert services[name]["uptime_seconds"] >= 0
    assert services["agent_runner"] == {
        "status": "unavailable",
        "registered_agents": 0,
        "live_agents": 0,
        "uptime_seconds": None,
    }

    database = report["database"]
    assert database["status"] == "healthy"
    assert database["backend"] == ("postgresql" if store == "postgres" else "sqlite")
    pool = database["connection_pool"]
    if store == "postgres":
        assert pool["max"] == kyros.settings.postgres_pool_size
        assert pool["active"] >= 0
        assert pool["idle"] >= 0
    else:
        assert pool["max"] == SQLITE_POOL_SIZE
        assert pool["active"] >= 0
        assert pool["idle"] >= 0
        assert 1 <= pool["open"] <= pool["max"]
    performance = database["query_performance"]
    assert performance["average_time"] > 0
    assert performance["slow_queries"] >= 0
    again = health(client)["database"]["query_performance"]
    assert again["window"] == performance["window"] + 1  # every check measures anew

    head = kyros.app.head()
    projections = report["projections"]
    assert set(projections) == set(kyros.engine.projections)
    for figures in projections.values():
        assert figures["worker_alive"] is True
        assert figures["leader"] is True  # the only server on this store leads everything
        assert 0 <= figures["position"] <= head
        assert figures["lag"] >= 0
        assert figures["last_error"] is None

    models = report["models"]
    assert set(models) == set(kyros.catalog.names())
    assert models["glm-4.5"]["status"] == "available"
    assert models[DISABLED_MODEL]["status"] == "unavailable"
    assert models["glm-4.5"]["response_time"] is None  # nothing has run yet
    assert models["glm-4.5"]["success_rate"] is None


def test_health_turns_degraded_when_a_projection_worker_is_stopped(
    kyros: Kyros, client: httpx.Client
) -> None:
    health_until(client, lambda r: r["overall_status"] == "healthy")
    kyros.projections.stop("agents")
    report = health_until(client, lambda r: r["overall_status"] == "degraded")
    assert report["issues"] == ["projection agents: its worker is stopped"]
    stopped = report["projections"]["agents"]
    assert (stopped["worker_alive"], stopped["worker_status"]) == (False, "stopped")
    assert stopped["leader"] is False
    others = [v for k, v in report["projections"].items() if k != "agents"]
    assert all(figures["worker_alive"] for figures in others)
    workers = report["services"]["projection_workers"]
    assert (workers["status"], workers["not_running"]) == ("degraded", ["agents"])
    assert workers["running"] == workers["total"] - 1
    assert report["database"]["status"] == "healthy"


def test_model_and_agent_figures_come_from_the_work_agents_reported(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    done, failed = create_task(client), create_task(client)
    submit(client, done["id"])
    submit(client, failed["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        first = claim(agent, agent_id, wait=5)
        data(complete(agent, first["submission_id"], response_seconds=3.0))
        second = claim(agent, agent_id, wait=5)
        data(agent.post(f"/v1/submissions/{second['submission_id']}/fail", json={"error": "x"}))

    report = health_until(client, lambda r: r["models"]["glm-4.5"]["recent_attempts"] == 2)
    assert report["models"]["glm-4.5"] == {
        "status": "available",
        "response_time": 3.0,  # of the completed attempt; the failed one reported none
        "success_rate": 50.0,
        "recent_attempts": 2,
        "performance_tracking": True,
    }
    assert report["models"][DISABLED_MODEL]["recent_attempts"] == 0
    runner = report["services"]["agent_runner"]
    assert (runner["status"], runner["live_agents"], runner["registered_agents"]) == (
        "healthy",
        1,
        1,
    )
    assert runner["uptime_seconds"] >= 0


def test_health_needs_the_read_monitoring_permission(
    kyros: Kyros, base_url: str, anonymous: httpx.Client
) -> None:
    assert anonymous.get("/v1/monitoring/health").status_code == 401
    with agent_client(kyros, base_url) as agent:  # agents may not read monitoring
        assert agent.get("/v1/monitoring/health").status_code == 403


def test_open_alerts_are_counted_without_degrading_the_status(
    kyros: Kyros, client: httpx.Client
) -> None:
    assert health(client)["alerts"] == {"active": 0, "acknowledged": 0, "by_severity": {}}
    budget = {"name": "tight", "period": "daily", "limit": "0.01", "enforcement": "soft"}
    data(client.post("/v1/budgets", json=budget), 201)
    submit(client, create_task(client, title="Rename", files_to_modify=["a.py"])["id"])
    report = health_until(client, lambda r: r["alerts"]["active"] == 1)  # budget_threshold
    assert report["alerts"]["by_severity"] == {"warning": 1}
    alert = data(client.get("/v1/monitoring/alerts"))["alerts"][0]
    data(client.post(f"/v1/monitoring/alerts/{alert['id']}/acknowledge", json={}))
    report = health_until(client, lambda r: r["alerts"]["acknowledged"] == 1)
    assert (report["alerts"]["active"], report["overall_status"]) == (0, "healthy")
