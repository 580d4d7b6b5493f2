"""GET /v1/monitoring/costs over a real socket: hand-computed costs, shares and savings."""

from __future__ import annotations

from decimal import Decimal as D

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.commands.configuration import ChangeConfiguration, change_configuration
from tests.builders.commands import Credential
from tests.e2e.analytics_history import EventClock, event_clock, figures, seed_history
from tests.e2e.helpers import assert_error

pytestmark = pytest.mark.both_stores  # aggregates are read-model SQL run on both

__all__ = ["event_clock"]  # a fixture, imported for these tests

# What each completed attempt cost, per 1,000 tokens at the prices it ran at
# (glm-4.5: input 0.001, cached input 0.0001, output 0.002; claude-4.1-opus: input 0.015,
# cached input 0.0015, output 0.075), and what it would have cost on claude-4.1-opus.
OLD = (100_000 * D("0.001") + 10_000 * D("0.002")) / 1000  # 0.12
A = (800_000 * D("0.001") + 200_000 * D("0.0001") + 100_000 * D("0.002")) / 1000  # 1.02
B = (500_000 * D("0.001") + 250_000 * D("0.002")) / 1000  # 1.00
C = (200_000 * D("0.001") + 100_000 * D("0.0001") + 50_000 * D("0.002")) / 1000  # 0.31
Q = (20_000 * D("0.015") + 4_000 * D("0.075")) / 1000  # 0.60, on claude already
OLD_PREMIUM = (100_000 * D("0.015") + 10_000 * D("0.075")) / 1000
A_PREMIUM = (800_000 * D("0.015") + 200_000 * D("0.0015") + 100_000 * D("0.075")) / 1000
B_PREMIUM = (500_000 * D("0.015") + 250_000 * D("0.075")) / 1000  # 26.25
C_PREMIUM = (200_000 * D("0.015") + 100_000 * D("0.0015") + 50_000 * D("0.075")) / 1000


def test_the_hand_computed_costs_are_what_the_comments_say() -> None:
    actual, premium = (OLD, A, B, C, Q), (OLD_PREMIUM, A_PREMIUM, B_PREMIUM, C_PREMIUM)
    assert actual == (D("0.12"), D("1.02"), D("1.00"), D("0.31"), D("0.60"))
    assert premium == (D("2.25"), D("19.80"), D("26.25"), D("6.90"))


def test_a_week_of_costs_is_broken_down_to_the_cent_with_shares_adding_up_to_100(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    history = seed_history(kyros, base_url, client, admin, event_clock)
    body = figures(client.get("/v1/monitoring/costs"))
    total = OLD + A + B + C + Q
    assert (body["period"], total) == ("7d", D("3.05"))
    assert body["total_cost"] == total
    assert body["task_counts"] == {"completed": 5, "failed": 1, "priced": 5}
    breakdown = body["cost_breakdown"]
    assert list(breakdown) == ["by_model", "by_role", "by_task_type", "by_user", "savings"]
    # glm 2.45 / 3.05 = 80.327 %, claude 0.60 / 3.05 = 19.672 %: tenths 803 + 196 = 999;
    # the missing tenth goes to the larger remainder (.72 > .27): 80.3 + 19.7.
    assert breakdown["by_model"] == {
        "glm-4.5": {"cost": OLD + A + B + C, "percentage": D("80.3"), "tasks": 4},
        "claude-4.1-opus": {"cost": Q, "percentage": D("19.7"), "tasks": 1},
    }
    # implementer 2.74 / 3.05 = 89.836 %, architect 0.31 / 3.05 = 10.164 %: 89.8 + 10.2.
    assert breakdown["by_role"] == {
        "implementer": {"cost": OLD + A + B + Q, "percentage": D("89.8"), "tasks": 4},
        "architect": {"cost": C, "percentage": D("10.2"), "tasks": 1},
    }
    # 1.74 → 57.049 %, 1.00 → 32.787 %, 0.31 → 10.164 %: tenths 570 + 327 + 101 = 998;
    # the two missing tenths go to .87 and .64, not .49: 57.0 + 32.8 + 10.2.
    assert breakdown["by_task_type"] == {
        "implementation": {"cost": OLD + A + Q, "percentage": D("57.0"), "tasks": 3},
        "testing": {"cost": B, "percentage": D("32.8"), "tasks": 1},
        "design": {"cost": C, "percentage": D("10.2"), "tasks": 1},
    }
    # The submitter of each attempt: the admin's key (O, A, B), the developer's (C, Q).
    assert breakdown["by_user"] == {
        history.admin: {"cost": OLD + A + B, "percentage": D("70.2"), "tasks": 3},
        history.developer: {"cost": C + Q, "percentage": D("29.8"), "tasks": 2},
    }
    premium_only = OLD_PREMIUM + A_PREMIUM + B_PREMIUM + C_PREMIUM + Q
    assert (premium_only, premium_only - total) == (D("55.80"), D("52.75"))
    assert breakdown["savings"] == {
        "premium_model": "claude-4.1-opus",
        "premium_only_cost": premium_only,
        "vs_premium_only": premium_only - total,
        "percentage": D("94.5"),  # 52.75 / 55.80 = 94.534 %
        "roi": D("1729.5"),  # 52.75 / 3.05 = 1729.508 %
    }


def test_a_day_leaves_out_older_attempts_and_group_by_selects_the_breakdowns(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    seed_history(kyros, base_url, client, admin, event_clock)
    body = figures(client.get("/v1/monitoring/costs?period=1d&group_by=model,task_type"))
    total = A + B + C + Q  # the old attempt is three days back
    assert (body["period"], body["total_cost"]) == ("1d", total)
    assert body["task_counts"] == {"completed": 4, "failed": 1, "priced": 4}
    breakdown = body["cost_breakdown"]
    assert list(breakdown) == ["by_model", "by_task_type", "savings"]
    assert breakdown["by_model"]["glm-4.5"] == {
        "cost": A + B + C,  # 2.33 / 2.93 = 79.522 %
        "percentage": D("79.5"),
        "tasks": 3,
    }
    premium_only = A_PREMIUM + B_PREMIUM + C_PREMIUM + Q  # 53.55
    assert breakdown["savings"] == {
        "premium_model": "claude-4.1-opus",
        "premium_only_cost": premium_only,
        "vs_premium_only": premium_only - total,  # 50.62
        "percentage": D("94.5"),  # 50.62 / 53.55 = 94.528 %
        "roi": D("1727.6"),  # 50.62 / 2.93 = 1727.645 %
    }
    ninety = figures(client.get("/v1/monitoring/costs?period=90d&group_by=user"))
    assert ninety["total_cost"] == OLD + total
    assert list(ninety["cost_breakdown"]) == ["by_user", "savings"]


def test_an_empty_period_answers_zeros(client: httpx.Client) -> None:
    body = figures(client.get("/v1/monitoring/costs?period=1d"))
    retention = body.pop("retention")
    assert (retention["days"], retention["truncated"]) == (90, False)
    assert body.pop("at") is None
    assert {body.pop("from"), body.pop("to")} != {None}
    assert body == {
        "period": "1d",
        "total_cost": 0,
        "task_counts": {"completed": 0, "failed": 0, "priced": 0},
        "cost_breakdown": {
            "by_model": {},
            "by_role": {},
            "by_task_type": {},
            "by_user": {},
            "savings": {
                "premium_model": "claude-4.1-opus",
                "vs_premium_only": 0,
                "percentage": 0,
                "roi": 0,
                "premium_only_cost": 0,
            },
        },
    }


def test_savings_are_null_when_the_configured_escalation_model_is_not_in_the_catalog(
    kyros: Kyros, client: httpx.Client
) -> None:
    # The API refuses a model outside the catalog; a configuration recorded while a models
    # file still listed it (since removed) is what leaves one behind.
    gpt9 = msgspec.structs.replace(kyros.catalog.models[0], name="gpt-9")
    earlier = msgspec.structs.replace(kyros.catalog, models=(*kyros.catalog.models, gpt9))
    patch = {"models": {"escalation_model": "gpt-9"}}
    change_configuration(kyros.app, earlier, ChangeConfiguration(actor="t", patch=patch))
    kyros.engine.catch_up("configuration", 500)
    savings = figures(client.get("/v1/monitoring/costs"))["cost_breakdown"]["savings"]
    assert savings == {
        "premium_model": "gpt-9",
        "vs_premium_only": None,
        "percentage": None,
        "roi": None,
        "premium_only_cost": None,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "24h"}, "period"),
        ({"period": "1y"}, "period"),
        ({"group_by": "team"}, "group_by"),
        ({"group_by": "model,agent"}, "group_by"),
        ({"group_by": ""}, "group_by"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(
    client: httpx.Client, params: dict[str, str], field: str
) -> None:
    response = client.get("/v1/monitoring/costs", params=params)
    assert_error(response, 422, "VALIDATION_ERROR", field)
