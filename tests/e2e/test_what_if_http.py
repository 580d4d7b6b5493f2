"""POST /v1/analysis/what-if over a real socket: a seeded history replayed under scenarios."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import Credential
from tests.builders.http import agent_client, client_as, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, submit
from tests.e2e.analytics_history import EventClock, event_clock, figures, glm, seed_history
from tests.e2e.helpers import assert_error
from tests.e2e.test_monitoring_costs_http import (
    A_PREMIUM,
    B_PREMIUM,
    C_PREMIUM,
    OLD,
    OLD_PREMIUM,
    A,
    B,
    C,
    Q,
)
from tests.e2e.test_openapi_answers_http import Conformance

pytestmark = pytest.mark.both_stores  # the replay reads read-model SQL run on both

__all__ = ["event_clock"]  # a fixture, imported for these tests

PATH = "/v1/analysis/what-if"
OPUS_DEFAULT = {"name": "opus default", "routing": {"default_model": "claude-4.1-opus"}}


def what_if(kyros: Kyros, client: httpx.Client, **body: Any) -> httpx.Response:
    """Asked once every read model has the whole log (a consistency token of the head)."""
    head = {"X-Kyros-Min-Position": str(kyros.app.head())}
    return client.post(PATH, json=body, headers=head)


def test_the_live_configuration_reproduces_the_actual_month_and_another_default_reprices_it(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    seed_history(kyros, base_url, client, admin, event_clock)
    response = what_if(kyros, client, scenarios=[{"name": "live"}, OPUS_DEFAULT])
    Conformance(client.get("/v1/schema/openapi.json").json())(response)  # as documented
    body = figures(response)
    actual, (live, opus) = body["actual"], body["scenarios"]
    assert actual["total_cost"] == OLD + A + B + C + Q == D("3.05")
    assert actual["by_model"] == {
        "claude-4.1-opus": {"cost": Q, "attempts": 1},
        "glm-4.5": {"cost": OLD + A + B + C, "attempts": 5},  # D failed: an attempt at 0
    }
    assert (actual["attempts"], actual["escalations"]) == (6, 1)
    assert {key: live[key] for key in actual if key != "escalations"} == {
        key: actual[key] for key in actual if key != "escalations"
    }
    assert (live["savings"], live["savings_percent"], live["routes_changed"]) == (0, 0, 0)
    on_opus = OLD_PREMIUM + A_PREMIUM + B_PREMIUM + C_PREMIUM + Q
    assert opus["total_cost"] == on_opus == D("55.80")
    assert opus["savings"] == D("3.05") - D("55.80")
    assert opus["savings_percent"] == ((D("3.05") - D("55.80")) * 100 / D("3.05")).quantize(
        D("0.01")
    )
    assert opus["by_model"] == {"claude-4.1-opus": {"cost": on_opus, "attempts": 6}}
    assert opus["routes_changed"] == 5
    assert {c["from_model"] for c in opus["changed_routes"]} == {"glm-4.5"}
    assert opus["escalations"]["avoided"] == 1  # Q's: opus is no longer premium


def test_a_price_override_and_a_period_reprice_only_what_finished_in_it(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    history = seed_history(kyros, base_url, client, admin, event_clock)
    doubled = {"input_per_1k": 0.002, "output_per_1k": 0.004, "cached_input_per_1k": 0.0002}
    scenario = {"name": "dear glm", "prices": {"glm-4.5": doubled}}
    start = (history.t0 - timedelta(hours=1)).isoformat()
    body = figures(what_if(kyros, client, scenarios=[scenario], **{"from": start}))
    assert body["actual"]["total_cost"] == A + B + C + Q  # OLD finished three days earlier
    (dear,) = body["scenarios"]
    assert dear["total_cost"] == 2 * (A + B + C) + Q
    assert dear["by_role"]["architect"] == {"cost": 2 * C, "attempts": 1}
    assert dear["routes_changed"] == 0


def test_a_what_if_appends_nothing_to_the_log(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        for _ in range(2):
            task_id = create_task(client, title="Fix a typo", files_to_modify=["README.md"])["id"]
            submit(client, task_id)
            held = claim(agent, agent_id, wait=5)
            data(complete(agent, held["submission_id"], **glm(10_000, 0, 1_000, 1.0)))
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    body = {"scenarios": [{"name": "live"}, OPUS_DEFAULT], "to": tomorrow}
    before = kyros.app.head()
    answers = [figures(what_if(kyros, client, **body)) for _ in range(3)]
    assert kyros.app.head() == before
    assert answers[0] == answers[1] == answers[2]  # deterministic, too
    assert answers[0]["scenarios"][1]["routes_changed"] == 2


def test_bad_scenarios_and_periods_are_refused_naming_the_field(
    kyros: Kyros, client: httpx.Client
) -> None:
    live = {"name": "live"}
    for body, field in (
        ({"scenarios": []}, "scenarios"),
        ({"scenarios": [{"name": f"s{i}"} for i in range(11)]}, "scenarios"),
        ({"scenarios": [live, live]}, "scenarios[1].name"),
        (
            {"scenarios": [{"name": "x", "routing": {"default_model": "gpt-9"}}]},
            "scenarios[0].routing.default_model",
        ),
        (
            {"scenarios": [{"name": "x", "prices": {"glm-4.5": {"input_per_1k": -1}}}]},
            "scenarios[0].prices.glm-4.5.input_per_1k",
        ),
        ({"scenarios": [live], "from": "2026-11-02", "to": "2026-11-01"}, "to"),
        ({"scenarios": [live], "from": "2020-01-01", "to": "2026-01-01"}, "to"),
        ({"scenarios": [live], "from": "last month"}, "from"),
    ):
        before = kyros.app.head()
        response = client.post(PATH, json=body)
        assert_error(response, 422, "VALIDATION_ERROR", field)
        assert kyros.app.head() == before


def test_reading_costs_is_the_permission_a_what_if_needs(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    body = {"scenarios": [{"name": "live"}], "to": datetime.now(UTC).date().isoformat()}
    with (
        client_as(kyros, base_url, "viewer") as (refused, _),
        client_as(kyros, base_url, "auditor") as (allowed, _),
    ):
        assert_error(refused.post(PATH, json=body), 403, "FORBIDDEN")
        assert figures(allowed.post(PATH, json=body))["actual"]["total_cost"] == 0
