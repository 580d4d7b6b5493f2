"""Every monitoring figure survives a rebuild of every read model from an empty start."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import Credential
from tests.e2e.analytics_history import EventClock, event_clock, figures, seed_history, series
from tests.e2e.test_cli import kyros_env
from tests.e2e.test_monitoring_metrics_http import ALL_METRICS

pytestmark = pytest.mark.both_stores  # the projection engine rebuilds read models in each store

__all__ = ["event_clock"]  # a fixture, imported for these tests

METRIC_QUERIES = ({"period": "24h", "granularity": "1h"}, {"period": "30d"}, {"period": "7d"})


def snapshot(client: httpx.Client) -> dict[str, Any]:
    """Costs of every period, and every metric's values by bucket start and average."""
    shot: dict[str, Any] = {}
    for period in ("1d", "7d", "30d", "90d"):
        costs = figures(client.get(f"/v1/monitoring/costs?period={period}"))
        for moving in ("retention", "from", "to"):  # they move with the clock
            costs.pop(moving)
        shot[f"costs {period}"] = costs
    for params in METRIC_QUERIES:
        body = figures(
            client.get("/v1/monitoring/metrics", params={**params, "metrics": ALL_METRICS})
        )
        for name, metric in body["metrics"].items():
            key = f"{name} {params['period']}"
            shot[key] = {"by_bucket": series(body, name), "average": metric["average"]}
    return shot


def same_buckets(before: dict[str, Any], after: dict[str, Any]) -> None:
    """A bucket boundary may pass between the snapshots: compare the buckets both cover."""
    for key, value in before.items():
        if "by_bucket" in value:
            shared = value["by_bucket"].keys() & after[key]["by_bucket"].keys()
            assert len(shared) >= len(value["by_bucket"]) - 1
            for side in (value, after[key]):
                side["by_bucket"] = {b: v for b, v in side["by_bucket"].items() if b in shared}


def test_rebuilding_every_read_model_reproduces_every_figure_to_the_micro_dollar(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    seed_history(kyros, base_url, client, admin, event_clock)
    before = snapshot(client)
    assert before["costs 7d"]["total_cost"] > 0
    for name in kyros.engine.projections:
        kyros.engine.reset(name)
    for name in kyros.engine.projections:
        kyros.engine.catch_up(name, 7)  # small pages: the rebuild crosses many page boundaries
    after = snapshot(client)
    same_buckets(before, after)
    assert after == before


def test_the_cli_rebuild_of_every_read_model_reproduces_every_figure(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    """`kyros projections rebuild --all`, as an operator runs it, in its own process."""
    seed_history(kyros, base_url, client, admin, event_clock)
    before = snapshot(client)
    extra = {"KYROS_DATABASE_URL": kyros.settings.database_url or ""}
    env = kyros_env(kyros.settings.data_dir, **{k: v for k, v in extra.items() if v})
    rebuilt = subprocess.run(
        [sys.executable, "-m", "kyros", "projections", "rebuild", "--all"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "analytics" in rebuilt.stdout
    assert f"up to position {kyros.app.head()}" in rebuilt.stdout  # the whole seeded log
    after = snapshot(client)
    same_buckets(before, after)
    assert after == before
