"""POST /v1/models/select with the built-in catalog: the spec's example, on the server's clock."""

from __future__ import annotations

import httpx

from tests.e2e.agent_helpers import data
from tests.e2e.test_models_http import SPEC_SELECT


def test_the_specs_example_selects_opus_with_glm_as_fallback(client: httpx.Client) -> None:
    selected = data(client.post("/v1/models/select", json=SPEC_SELECT))
    assert (selected["selected_model"], selected["fallback_model"]) == (
        "claude-4.1-opus",
        "glm-4.5",
    )
    assert selected["reasoning"]["business_impact"] == "medium"  # critical, deadline years away
    assert selected["reasoning"]["cost_benefit_ratio"] == "favorable"
    assert 0.5 <= selected["confidence_score"] <= 1


def test_a_deadline_hours_away_by_the_servers_clock_raises_the_business_impact(
    client: httpx.Client,
) -> None:
    soon = {**SPEC_SELECT, "context": {"deadline": "2000-01-01T00:00:00Z"}}  # already past
    assert (
        data(client.post("/v1/models/select", json=soon))["reasoning"]["business_impact"] == "high"
    )


def test_selection_records_nothing(client: httpx.Client) -> None:
    before = data(client.get("/v1/tasks"))["pagination"]["total"]
    data(client.post("/v1/models/select", json=SPEC_SELECT))
    assert data(client.get("/v1/tasks"))["pagination"]["total"] == before
