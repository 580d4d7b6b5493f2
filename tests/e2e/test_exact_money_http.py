"""Sub-cent work over a real socket: costs, metrics, the task list and Prometheus report the
exact micro-dollars, agree to the last decimal, and take calendar periods and ranges."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.e2e.analytics_history import EventClock, event_clock, figures
from tests.e2e.helpers import assert_error
from tests.e2e.sub_cent_history import COSTS, TOTAL, seed_sub_cent
from tests.prometheus_scrape import scrape

pytestmark = pytest.mark.both_stores  # money is Decimal text summed in each store's SQL

__all__ = ["event_clock"]  # a fixture, imported for these tests


def read(kyros: Kyros, client: httpx.Client, path: str, **params: Any) -> Any:
    """`data` once every read model has applied the whole log."""
    head = {"X-Kyros-Min-Position": str(kyros.app.head())}
    return figures(client.get(path, params=params, headers=head))


def test_the_issues_six_example_costs_add_up_to_0_001744() -> None:
    assert [str(c) for c in COSTS] == [
        "0.000286",
        "0.000402",
        "0.000242",
        "0.000228",
        "0.000256",
        "0.000330",
    ]
    assert sum(COSTS) == TOTAL


def test_a_months_sub_cent_costs_are_exact_and_the_api_and_prometheus_agree(
    kyros: Kyros, base_url: str, client: httpx.Client, event_clock: EventClock
) -> None:
    seeded = seed_sub_cent(kyros, base_url, client, event_clock)
    month = read(kyros, client, "/v1/monitoring/costs", period="month", at=seeded.month)
    assert (month["period"], month["at"], month["total_cost"]) == ("month", seeded.month, TOTAL)
    assert month["from"] == f"{seeded.month}-01T00:00:00Z"
    assert month["cost_breakdown"]["by_model"]["glm-4.5"]["cost"] == TOTAL
    assert month["task_counts"] == {"completed": 6, "failed": 0, "priced": 6}
    # The JSON says 0.001744 itself, not 0.0 or 0.00.
    raw = client.get("/v1/monitoring/costs", params={"period": "month", "at": seeded.month})
    assert '"total_cost":0.001744' in raw.text

    samples = scrape(client)
    prometheus = samples[
        ("kyros_model_cost_usd_total", frozenset({("model", "glm-4.5"), ("outcome", "completed")}))
    ]
    assert D(repr(prometheus)) == TOTAL


def test_from_to_is_inclusive_of_from_and_exclusive_of_to(
    kyros: Kyros, base_url: str, client: httpx.Client, event_clock: EventClock
) -> None:
    seeded = seed_sub_cent(kyros, base_url, client, event_clock)
    day = seeded.first_day
    first_three = read(
        kyros,
        client,
        "/v1/monitoring/costs",
        **{"from": day.strftime("%Y-%m-%d"), "to": (day + timedelta(days=1)).isoformat()},
    )
    assert (first_three["period"], first_three["at"]) == ("range", None)
    assert first_three["total_cost"] == sum(COSTS[:3]) == D("0.00093")
    # The first task completed at 00:09 on that day: a range ending exactly then leaves it out.
    at_first = (day + timedelta(minutes=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = read(
        kyros, client, "/v1/monitoring/costs", **{"from": f"{day:%Y-%m-%d}", "to": at_first}
    )
    assert before["total_cost"] == 0
    since = read(kyros, client, "/v1/monitoring/costs", **{"from": at_first})  # `to`: now
    assert since["total_cost"] == TOTAL


def test_metrics_of_a_calendar_month_have_a_bucket_a_day_and_exact_money(
    kyros: Kyros, base_url: str, client: httpx.Client, event_clock: EventClock
) -> None:
    seeded = seed_sub_cent(kyros, base_url, client, event_clock)
    metrics = "total_cost,cost_per_task,tasks_completed"
    body = read(
        kyros, client, "/v1/monitoring/metrics", period="month", at=seeded.month, metrics=metrics
    )
    assert body["granularity"] == "1d"
    assert body["buckets"][0] == f"{seeded.month}-01T00:00:00Z"
    next_month = (seeded.first_day + timedelta(days=25)).replace(day=1)
    assert body["to"] == next_month.strftime("%Y-%m-%dT%H:%M:%SZ")  # exclusive
    assert len(body["buckets"]) == (next_month - seeded.first_day.replace(day=1)).days
    by_day = dict(zip(body["buckets"], body["metrics"]["total_cost"]["data"], strict=True))
    assert by_day[seeded.first_day.strftime("%Y-%m-%dT%H:%M:%SZ")] == sum(COSTS[:3])
    assert by_day[seeded.second_day.strftime("%Y-%m-%dT%H:%M:%SZ")] == sum(COSTS[3:])
    assert sum(v for v in by_day.values()) == TOTAL
    # 0.001744 / 6 = 0.00029066…: a mean is rounded half up to the micro-dollar.
    assert body["metrics"]["cost_per_task"]["average"] == D("0.000291")
    assert body["metrics"]["tasks_completed"]["average"] * len(body["buckets"]) > 0


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/monitoring/costs", {"period": "7d", "from": "2026-01-01"}, "from"),
        ("/v1/monitoring/costs", {"period": "month", "at": "2026-Q4"}, "at"),
        ("/v1/monitoring/costs", {"period": "7d", "at": "2026-11"}, "at"),
        ("/v1/monitoring/costs", {"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ("/v1/monitoring/costs", {"from": "2020-01-01", "to": "2026-01-01"}, "to"),
        ("/v1/monitoring/costs", {"to": "2026-01-01"}, "from"),
        ("/v1/monitoring/costs", {"from": "last tuesday"}, "from"),
        ("/v1/monitoring/costs", {"period": "decade"}, "period"),
        ("/v1/monitoring/metrics", {"period": "quarter", "at": "2026-Q0"}, "at"),
        ("/v1/monitoring/metrics", {"period": "24h", "to": "2026-01-01"}, "to"),
        (
            "/v1/monitoring/metrics",
            {"period": "year", "at": "2026", "granularity": "1m"},
            "granularity",
        ),
    ],
)
def test_bad_period_combinations_are_refused_naming_the_parameter(
    client: httpx.Client, path: str, params: dict[str, str], field: str
) -> None:
    assert_error(client.get(path, params=params), 422, "VALIDATION_ERROR", field)


def test_a_period_wholly_before_the_retention_answers_empty_figures(client: httpx.Client) -> None:
    params = {"period": "year", "at": "2020", "metrics": "total_cost,cost_per_task"}
    metrics = figures(client.get("/v1/monitoring/metrics", params=params))
    assert metrics["retention"]["truncated"] is True
    assert set(metrics["metrics"]["total_cost"]["data"]) == {0}
    assert metrics["metrics"]["cost_per_task"]["average"] is None
    costs = figures(client.get("/v1/monitoring/costs", params={"period": "year", "at": "2020"}))
    assert (costs["from"], costs["to"]) == ("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z")
    assert (costs["total_cost"], costs["retention"]["truncated"]) == (0, True)
