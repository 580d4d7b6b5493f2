"""GET /v1/monitoring/metrics over a real socket: hand-computed series of a seeded history."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import Credential
from tests.e2e.analytics_history import (
    EventClock,
    event_clock,
    figures,
    iso_hour,
    seed_history,
    series,
)
from tests.e2e.helpers import assert_error

pytestmark = pytest.mark.both_stores  # aggregates are read-model SQL run on both

__all__ = ["event_clock"]  # a fixture, imported for these tests

ALL_METRICS = (
    "task_completion_rate,average_response_time,cost_per_task,escalation_rate,tasks_created,"
    "tasks_completed,tasks_failed,total_cost,input_tokens,output_tokens"
)


def test_a_day_of_history_at_hourly_granularity_matches_the_hand_computed_series(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    history = seed_history(kyros, base_url, client, admin, event_clock)
    body = figures(client.get("/v1/monitoring/metrics", params={"metrics": ALL_METRICS}))
    assert (body["period"], body["granularity"], len(body["buckets"])) == ("24h", "1h", 24)
    h1, h3, h4, h5 = (iso_hour(history.t0, n) for n in (0, 2, 3, 4))

    def expect(metric: str, unit: str, average: object, empty: object, **values: object) -> None:
        by_bucket = {bucket: values.get(bucket, empty) for bucket in body["buckets"]}
        assert series(body, metric) == by_bucket, metric
        assert body["metrics"][metric]["unit"] == unit
        assert body["metrics"][metric]["average"] == average, metric

    # Finished: A and B completed at T0; C completed and D failed at T0+2h; Q completed at
    # T0+3h. The old task (three days back) is outside the window. Window: 4 / 5 = 80 %.
    expect("task_completion_rate", "percent", D("80.0"), None, **{h1: 100, h3: 50, h4: 100})
    # A reported 30.5 s and B 12.25 s; C reported none, so its claim-to-completion time
    # counts: 7 min = 420 s; Q 60 s. Bucket T0: (30.5 + 12.25) / 2 = 21.375 → 21.38 (half
    # up). Window: (30.5 + 12.25 + 420 + 60) / 4 = 130.6875 → 130.69.
    expect(
        "average_response_time",
        "seconds",
        D("130.69"),
        None,
        **{h1: D("21.38"), h3: 420, h4: 60},
    )
    # Per 1,000 tokens: glm-4.5 input 0.001, cached input 0.0001, output 0.002;
    # claude-4.1-opus input 0.015, output 0.075.
    a = (800_000 * D("0.001") + 200_000 * D("0.0001") + 100_000 * D("0.002")) / 1000
    b = (500_000 * D("0.001") + 250_000 * D("0.002")) / 1000
    c = (200_000 * D("0.001") + 100_000 * D("0.0001") + 50_000 * D("0.002")) / 1000
    q = (20_000 * D("0.015") + 4_000 * D("0.075")) / 1000
    assert (a, b, c, q) == (D("1.02"), D("1.00"), D("0.31"), D("0.60"))
    # Bucket T0: (1.02 + 1.00) / 2 = 1.01; window: 2.93 / 4 = 0.7325 (money to 6 places).
    expect("cost_per_task", "USD", D("0.7325"), None, **{h1: (a + b) / 2, h3: c, h4: q})
    # Submissions: A, B at T0; C, D, P at T0+2h; Q at T0+3h. Escalations: P and Q.
    # 1 / 3 = 33.3 %; window: 2 / 6 = 33.3 %.
    expect("escalation_rate", "percent", D("33.3"), None, **{h1: 0, h3: D("33.3"), h4: 100})
    # Counts and sums average per bucket: the window's total / 24.
    expect("tasks_created", "count", D("0.29"), 0, **{h1: 2, h3: 3, h4: 1, h5: 1})  # 7 / 24
    expect("tasks_completed", "count", D("0.17"), 0, **{h1: 2, h3: 1, h4: 1})  # 4 / 24
    expect("tasks_failed", "count", D("0.04"), 0, **{h3: 1})  # 1 / 24 = 0.0417
    # 2.93 / 24 = 0.1220833… → 0.122083
    expect("total_cost", "USD", D("0.122083"), 0, **{h1: a + b, h3: c, h4: q})
    # Input: 1,000,000 + 500,000 at T0, 300,000, 20,000: 1,820,000 / 24 = 75,833.33.
    tokens_in = {h1: 1_500_000, h3: 300_000, h4: 20_000}
    expect("input_tokens", "tokens", D("75833.33"), 0, **tokens_in)
    # Output: 100,000 + 250,000, 50,000, 4,000: 404,000 / 24 = 16,833.33.
    expect("output_tokens", "tokens", D("16833.33"), 0, **{h1: 350_000, h3: 50_000, h4: 4_000})


def test_by_default_the_spec_s_four_metrics_come_in_day_buckets_starting_at_midnight(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    history = seed_history(kyros, base_url, client, admin, event_clock)
    body = figures(client.get("/v1/monitoring/metrics", params={"period": "30d"}))
    assert (body["period"], body["granularity"], len(body["buckets"])) == ("30d", "1d", 30)
    assert list(body["metrics"]) == [
        "task_completion_rate",
        "average_response_time",
        "cost_per_task",
        "escalation_rate",
    ]
    assert all(bucket.endswith("T00:00:00Z") for bucket in body["buckets"])
    # The old task finished alone on its day: (100,000 * 0.001 + 10,000 * 0.002) / 1,000.
    old_day = (history.t0 - timedelta(hours=72)).strftime("%Y-%m-%dT00:00:00Z")
    assert series(body, "cost_per_task")[old_day] == D("0.12")
    averages = {name: metric["average"] for name, metric in body["metrics"].items()}
    assert averages == {
        "task_completion_rate": D("83.3"),  # O, A, B, C, Q completed, D failed: 5 / 6
        "average_response_time": D("105.55"),  # (5 + 30.5 + 12.25 + 420 + 60) / 5 = 105.55
        "cost_per_task": D("0.61"),  # (0.12 + 2.93) / 5, exactly
        "escalation_rate": D("28.6"),  # P and Q of 7 submissions: 2 / 7 = 28.57
    }


def test_an_empty_store_answers_explicit_empty_buckets(client: httpx.Client) -> None:
    before = datetime.now(UTC)
    params = {"period": "1h", "metrics": "task_completion_rate,tasks_failed,total_cost"}
    body = figures(client.get("/v1/monitoring/metrics", params=params))
    assert (body["period"], body["granularity"], len(body["buckets"])) == ("1h", "5m", 12)
    starts = [datetime.fromisoformat(b) for b in body["buckets"]]
    assert all(s.minute % 5 == 0 and s.second == 0 and s.microsecond == 0 for s in starts)
    assert {b - a for a, b in itertools.pairwise(starts)} == {timedelta(minutes=5)}
    assert before < starts[-1] + timedelta(minutes=5)  # the last bucket holds "now"
    assert body["metrics"] == {
        "task_completion_rate": {"data": [None] * 12, "unit": "percent", "average": None},
        "tasks_failed": {"data": [0] * 12, "unit": "count", "average": 0},
        "total_cost": {"data": [0] * 12, "unit": "USD", "average": 0},
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2h"}, "period"),
        ({"granularity": "2m"}, "granularity"),
        ({"granularity": ""}, "granularity"),
        ({"period": "1h", "granularity": "1d"}, "granularity"),  # coarser than the period
        ({"period": "30d", "granularity": "1m"}, "granularity"),  # 43,200 points
        ({"period": "7d", "granularity": "5m"}, "granularity"),  # 2,016 points
        ({"metrics": "task_completion_rate,uptime"}, "metrics"),
        ({"metrics": " , "}, "metrics"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(
    client: httpx.Client, params: dict[str, str], field: str
) -> None:
    response = client.get("/v1/monitoring/metrics", params=params)
    assert_error(response, 422, "VALIDATION_ERROR", field)


def test_one_day_at_daily_granularity_is_one_bucket_and_one_day_by_minute_is_allowed(
    client: httpx.Client,
) -> None:
    assert len(figures(client.get("/v1/monitoring/metrics?granularity=1d"))["buckets"]) == 1
    assert len(figures(client.get("/v1/monitoring/metrics?granularity=1m"))["buckets"]) == 1440
