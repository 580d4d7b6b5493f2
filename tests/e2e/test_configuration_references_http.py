"""Configuration that names a model must name one of the catalogue's, or selection and escalation
would fail for everyone: such an update is 422 naming the setting, and nothing changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.agent_helpers import data
from tests.e2e.helpers import assert_error
from tests.e2e.test_models_http import SPEC_SELECT

BAD_NAMES = ["no-such-model", "glm-4.5\u0000", "GLM-4.5", " glm-4.5"]


@pytest.mark.parametrize("setting", ["default_model", "escalation_model", "fallback_model"])
@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_model_setting_naming_no_catalogue_model_is_refused(
    client: httpx.Client, setting: str, name: str
) -> None:
    before = data(client.get("/v1/configuration"))
    response = client.put("/v1/configuration", json={"models": {setting: name}})
    body = assert_error(response, 422, "VALIDATION_ERROR", field=f"models.{setting}")
    assert "glm-4.5" in body["error"]["details"]["issue"]  # the issue lists what is accepted
    assert data(client.get("/v1/configuration")) == before


def test_a_refused_reference_refuses_the_whole_update(client: httpx.Client) -> None:
    patch = {"models": {"timeout": 600, "default_model": "no-such-model"}}
    assert_error(client.put("/v1/configuration", json=patch), 422, "VALIDATION_ERROR")
    assert data(client.get("/v1/configuration"))["models"]["timeout"] == 300


def test_selection_keeps_working_after_a_refused_reference(client: httpx.Client) -> None:
    client.put("/v1/configuration", json={"models": {"default_model": "no-such-model"}})
    client.put("/v1/configuration", json={"models": {"escalation_model": "no-such-model"}})
    selected = client.post("/v1/models/select", json=SPEC_SELECT)
    assert selected.status_code == 200, selected.text


def test_a_catalogue_model_is_accepted(client: httpx.Client) -> None:
    patch = {"models": {"default_model": "claude-4.1-opus", "fallback_model": "claude-4.1-opus"}}
    response = client.put("/v1/configuration", json=patch)
    assert response.status_code == 200, response.text
    assert data(response)["models"]["default_model"] == "claude-4.1-opus"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"default_model": "no-such-model"}, "default_model"),
        ({"default_model": "glm-4.5\u0000"}, "default_model"),
        ({"available_models": ["glm-4.5", "no-such-model"]}, "available_models[1]"),
        ({"available_models": ["glm-4.5", "glm-4.5\u0000"]}, "available_models[1]"),
        ({"role": "reviewer"}, "role"),
    ],
)
def test_an_agent_role_naming_an_unknown_model_or_another_role_is_refused(
    client: httpx.Client, patch: dict[str, Any], field: str
) -> None:
    before = data(client.get("/v1/agents/implementer/configuration"))
    response = client.put("/v1/agents/implementer/configuration", json=patch)
    assert_error(response, 422, "VALIDATION_ERROR", field=field)
    assert data(client.get("/v1/agents/implementer/configuration")) == before


@pytest.mark.parametrize("role", ["reviewer", "Implementer"])
def test_an_unknown_role_is_not_found(client: httpx.Client, role: str) -> None:
    response = client.put(f"/v1/agents/{role}/configuration", json={"enabled": False})
    assert_error(response, 404, "NOT_FOUND", field="role")
