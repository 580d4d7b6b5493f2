"""The cost ledger over real HTTP: one row per attempt at exact prices, filters, pages, rebuilds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.projections.shadow import rebuild
from tests.builders.commands import Credential
from tests.builders.http import agent_client, client_as, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, expected_cost, submit
from tests.e2e.analytics_history import (
    CLAUDE_Q,
    EventClock,
    event_clock,
    figures,
    glm,
    iso_hour,
    seed_history,
)
from tests.e2e.test_openapi_answers_http import Conformance

pytestmark = pytest.mark.both_stores  # a read model and its queries, on each store

__all__ = ["event_clock"]  # a fixture, imported for these tests

GLM_PRICES = ("0.001", "0.002", "0.0001")  # input, output, cached input per 1,000 tokens
CLAUDE_PRICES = ("0.015", "0.075", "0.0015")
SEEDED_USAGE = [  # the completions of seed_history, in log order (D, the failure, between)
    glm(100_000, 0, 10_000, 5.0),
    glm(1_000_000, 200_000, 100_000, 30.5),
    glm(500_000, 0, 250_000, 12.25),
    glm(300_000, 100_000, 50_000, None),
    CLAUDE_Q,
]


def ledger(client: httpx.Client, **params: Any) -> Any:
    """The ledger's `data`, money parsed as Decimal."""
    return figures(client.get("/v1/costs/ledger", params={"limit": 200, **params}))


def seed(kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, clock: Any) -> Any:
    """seed_history, then a sub-cent attempt on glm at the real time (286 input tokens:
    0.000286 USD)."""
    history = seed_history(kyros, base_url, client, admin, clock)
    clock.at = clock.at.now(clock.at.tzinfo)
    with agent_client(kyros, base_url, "sub-cent") as agent:
        agent_id = register_agent(agent, "critic")
        task_id = create_task(client, type="review", files_to_modify=["README.md"])["id"]
        submit(client, task_id, "critic")
        held = claim(agent, agent_id, wait=5)
        data(complete(agent, held["submission_id"], **glm(286, 0, 0, 1.0)))
    kyros.engine.catch_up("cost_ledger", 500)  # the ledger has read the whole log
    return history


def test_each_attempt_is_one_row_with_its_tokens_prices_and_exact_cost(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    history = seed(kyros, base_url, client, admin, event_clock)
    body = ledger(client)
    entries = body["entries"]
    assert [e["outcome"] for e in entries] == ["completed"] * 4 + ["failed"] + ["completed"] * 2
    completed = [e for e in entries if e["outcome"] == "completed"]
    for entry, usage in zip(completed, SEEDED_USAGE, strict=False):
        prices = CLAUDE_PRICES if usage["model"] == "claude-4.1-opus" else GLM_PRICES
        assert entry["model"] == usage["model"]
        assert (entry["input_tokens"], entry["output_tokens"], entry["cached_tokens"]) == (
            usage["input_tokens"],
            usage["output_tokens"],
            usage["cached_tokens"],
        )
        recorded = (
            entry["input_price_per_1k"],
            entry["output_price_per_1k"],
            entry["cached_input_price_per_1k"],
        )
        assert recorded == tuple(Decimal(p) for p in prices)
        assert entry["cost"] == expected_cost(usage, *prices)
    assert completed[-1]["cost"] == Decimal("0.000286")  # never rounded to cents
    assert completed[-1]["role"] == "critic"
    assert completed[-1]["task_type"] == "review"
    failed = entries[4]
    assert failed["cost"] is None
    assert failed["input_tokens"] is None
    assert failed["input_price_per_1k"] is None
    assert [e["escalation_id"] is not None for e in entries] == [False] * 5 + [True, False]
    assert entries[5]["escalation_id"].startswith("esc_")
    assert entries[3]["user"] == history.developer  # the submitter, whom budgets charge
    assert entries[0]["user"] == entries[0]["created_by"] == history.admin
    assert [e["position"] for e in entries] == sorted(e["position"] for e in entries)
    assert body["totals"] == {
        "attempts": 7,
        "priced_attempts": 6,
        "cost": sum(e["cost"] for e in completed),
        "input_tokens": sum(u["input_tokens"] for u in SEEDED_USAGE) + 286,
        "output_tokens": sum(u["output_tokens"] for u in SEEDED_USAGE),
        "cached_tokens": sum(u["cached_tokens"] for u in SEEDED_USAGE),
    }


def test_filters_narrow_the_rows_and_the_totals_together(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    history = seed(kyros, base_url, client, admin, event_clock)
    t0 = history.t0

    def models(**params: Any) -> list[str]:
        body = ledger(client, **params)
        assert body["totals"]["attempts"] == len(body["entries"])
        priced = [e["cost"] for e in body["entries"] if e["cost"] is not None]
        assert body["totals"]["cost"] == sum(priced, Decimal(0))
        return [f"{e['model']}:{e['task_type']}:{e['outcome']}" for e in body["entries"]]

    # [from, to): the old attempt (T0-72h) and the sub-cent one (now) are outside
    within = models(**{"from": iso_hour(t0, 0), "to": iso_hour(t0, 4)})
    assert within == [
        "glm-4.5:implementation:completed",
        "glm-4.5:testing:completed",
        "glm-4.5:design:completed",
        "glm-4.5:implementation:failed",
        "claude-4.1-opus:implementation:completed",
    ]
    assert models(**{"to": iso_hour(t0, 0)}) == ["glm-4.5:implementation:completed"]
    assert len(models(**{"from": iso_hour(t0, 0)[:10]})) == 6  # a date: from its midnight, UTC
    assert models(model="claude-4.1-opus") == ["claude-4.1-opus:implementation:completed"]
    assert models(role="architect,critic") == [
        "glm-4.5:design:completed",
        "glm-4.5:review:completed",
    ]
    assert models(user=history.developer) == [
        "glm-4.5:design:completed",
        "claude-4.1-opus:implementation:completed",
    ]
    assert models(task_type="testing") == ["glm-4.5:testing:completed"]
    assert models(outcome="failed") == ["glm-4.5:implementation:failed"]
    first = ledger(client)["entries"][0]
    assert models(task_id=first["task_id"]) == ["glm-4.5:implementation:completed"]
    assert models(model="glm-4.5", outcome="completed", task_type="design") == [
        "glm-4.5:design:completed"
    ]


def test_pages_follow_the_api_pagination_and_keep_the_totals_of_every_page(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    seed(kyros, base_url, client, admin, event_clock)
    whole = ledger(client)
    page = ledger(client, limit=3, offset=3)
    assert page["entries"] == whole["entries"][3:6]
    assert page["pagination"] == {"total": 7, "limit": 3, "offset": 3, "has_more": True}
    assert page["totals"] == whole["totals"]
    last = ledger(client, limit=3, offset=6)
    assert last["pagination"]["has_more"] is False
    assert len(last["entries"]) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "to"),
        ({"from": "2026-11-01", "to": "2026-11-01"}, "to"),
        ({"role": "pilot"}, "role"),
        ({"outcome": "cancelled"}, "outcome"),
        ({"task_type": "chores"}, "task_type"),
        ({"model": ","}, "model"),
        ({"limit": "0"}, "limit"),
        ({"as_of": "2026-11-01"}, "as_of"),
    ],
)
def test_bad_filters_are_refused_naming_the_parameter(
    client: httpx.Client, params: dict[str, str], field: str
) -> None:
    for route in ("/v1/costs/ledger", "/v1/costs/export"):
        if route.endswith("export") and field == "limit":
            continue
        response = client.get(route, params=params)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"]["field"] == field


def test_an_unknown_export_format_is_refused_naming_format(client: httpx.Client) -> None:
    response = client.get("/v1/costs/export", params={"format": "xlsx"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["field"] == "format"


def test_the_ledger_needs_read_costs(kyros: Kyros, base_url: str) -> None:
    with client_as(kyros, base_url, "viewer") as (viewer, _):
        for route in ("/v1/costs/ledger", "/v1/costs/export"):
            assert viewer.get(route).status_code == 403
    with client_as(kyros, base_url, "auditor") as (auditor, _):
        assert auditor.get("/v1/costs/ledger").status_code == 200


def test_rebuilding_the_ledger_in_place_or_beside_it_reproduces_it_row_for_row(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    seed(kyros, base_url, client, admin, event_clock)
    before = ledger(client)
    assert before["totals"]["attempts"] == 7
    kyros.engine.reset("cost_ledger")
    kyros.engine.catch_up("cost_ledger", 3)  # small pages: many page boundaries
    assert ledger(client) == before
    rebuilt = rebuild(kyros.engine, ["cost_ledger"], 4)  # beside the live tables, then swapped
    assert rebuilt["cost_ledger"].error is None
    assert ledger(client) == before


def test_the_ledgers_answers_validate_against_the_served_document(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    admin: Credential,
    anonymous: httpx.Client,
    event_clock: EventClock,
) -> None:
    seed(kyros, base_url, client, admin, event_clock)
    check = Conformance(anonymous.get("/v1/schema/openapi.json").json())
    check(client.get("/v1/costs/ledger"))
    check(client.get("/v1/costs/ledger", params={"outcome": "failed", "limit": 1}))
    check(client.get("/v1/costs/ledger", params={"model": "none-such"}))
    assert check.checked == {"GetCostLedger"}
    operation = anonymous.get("/v1/schema/openapi.json").json()["paths"]["/v1/costs/export"]
    documented = operation["get"]["responses"]["200"]["content"]
    assert set(documented) == {"text/csv", "application/x-ndjson", "application/vnd.apache.parquet"}
