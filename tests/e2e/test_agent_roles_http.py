"""Agent role configuration over a real socket: the spec's shapes, validated partial updates,
and the constraints a role imposes on the work submitted to it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.builders.http import create_task
from tests.e2e.agent_helpers import data, submit
from tests.e2e.helpers import assert_error

# Verbatim from the spec's "Get Agent Configuration" response (plus `enabled`, which PUT sets).
SPEC_AGENT_CONFIGURATION = {
    "role": "implementer",
    "enabled": True,
    "default_model": "glm-4.5",
    "available_models": ["glm-4.5", "claude-4.1-opus"],
    "capabilities": ["code_implementation", "test_creation", "bug_fixes", "documentation_updates"],
    "preferences": {"temperature": 0.7, "max_tokens": 2000, "timeout": 300},
    "constraints": {
        "max_files_per_task": 10,
        "max_diff_size": 500,
        "allowed_file_types": [".py", ".js", ".ts", ".md", ".json", ".yaml"],
    },
    "escalation_rules": {
        "security_threshold": 0.8,
        "complexity_threshold": 0.7,
        "business_impact_threshold": 0.6,
    },
}
SPEC_UPDATE = {
    "default_model": "glm-4.5",
    "preferences": {"temperature": 0.8, "max_tokens": 2500, "timeout": 600},
    "escalation_rules": {"security_threshold": 0.9, "complexity_threshold": 0.8},
}


def test_an_unchanged_role_answers_the_specs_configuration(client: httpx.Client) -> None:
    assert data(client.get("/v1/agents/implementer/configuration")) == SPEC_AGENT_CONFIGURATION


def test_the_configuration_api_shows_a_role_in_its_own_shape(client: httpx.Client) -> None:
    assert data(client.get("/v1/configuration/agents/implementer")) == {
        "role": "implementer",
        "enabled": True,
        "default_model": "glm-4.5",
        "capabilities": SPEC_AGENT_CONFIGURATION["capabilities"],
        "constraints": SPEC_AGENT_CONFIGURATION["constraints"],
        "preferences": SPEC_AGENT_CONFIGURATION["preferences"],
    }


def test_the_specs_update_merges_key_by_key_and_is_kept(client: httpx.Client) -> None:
    updated = data(client.put("/v1/agents/implementer/configuration", json=SPEC_UPDATE))
    expected: dict[str, Any] = {
        **SPEC_AGENT_CONFIGURATION,
        "preferences": SPEC_UPDATE["preferences"],
        "escalation_rules": {
            "security_threshold": 0.9,
            "complexity_threshold": 0.8,
            "business_impact_threshold": 0.6,
        },
    }
    assert updated == expected
    assert data(client.get("/v1/agents/implementer/configuration")) == expected
    assert data(client.get("/v1/configuration/agents/implementer"))["preferences"]["timeout"] == 600
    assert data(client.get("/v1/agents/architect/configuration"))["preferences"]["timeout"] == 600
    assert data(client.get("/v1/agents/critic/configuration"))["role"] == "critic"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"preferences": {"temperature": 3}}, "preferences.temperature"),
        ({"preferences": {"max_tokens": 9000}}, "preferences.max_tokens"),
        ({"preferences": {"speed": 1}}, "preferences.speed"),
        ({"escalation_rules": {"security_threshold": 1.5}}, "escalation_rules.security_threshold"),
        ({"constraints": {"allowed_file_types": ["py"]}}, "constraints.allowed_file_types[0]"),
        ({"constraints": {"max_files_per_task": 0}}, "constraints.max_files_per_task"),
        ({"default_model": "gpt-17"}, "default_model"),
        ({"available_models": ["glm-4.5", "gpt-17"]}, "available_models[1]"),
        ({"role": "critic"}, "role"),
        ({"mood": "happy"}, "mood"),
        ({"enabled": "yes"}, "enabled"),
    ],
)
def test_an_invalid_role_update_is_refused_naming_the_field_and_changes_nothing(
    client: httpx.Client, patch: dict[str, Any], field: str
) -> None:
    response = client.put("/v1/agents/implementer/configuration", json=patch)
    assert_error(response, 422, "VALIDATION_ERROR", field)
    assert data(client.get("/v1/agents/implementer/configuration")) == SPEC_AGENT_CONFIGURATION


def test_a_malformed_or_non_object_body_is_refused(client: httpx.Client) -> None:
    path = "/v1/agents/implementer/configuration"
    headers = {"content-type": "application/json"}
    assert_error(client.put(path, content=b"{", headers=headers), 422, "VALIDATION_ERROR", "body")
    assert_error(client.put(path, json=[1]), 422, "VALIDATION_ERROR", "body")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/agents/wizard/configuration"),
        ("PUT", "/v1/agents/wizard/configuration"),
        ("GET", "/v1/configuration/agents/wizard"),
        ("GET", "/v1/agents/wizard/status"),
        ("POST", "/v1/agents/wizard/submit"),
    ],
)
def test_an_unknown_role_is_not_found(client: httpx.Client, method: str, path: str) -> None:
    body = {"task_id": "task_01ARZ3NDEKTSV4RRFFQ69G5FAV"} if path.endswith("submit") else {}
    assert_error(client.request(method, path, json=body), 404, "NOT_FOUND", "role")


def test_a_task_with_more_files_than_the_role_allows_is_refused_at_submission(
    client: httpx.Client,
) -> None:
    data(
        client.put(
            "/v1/agents/implementer/configuration", json={"constraints": {"max_files_per_task": 2}}
        )
    )
    task = create_task(client, title="Wide", files_to_modify=["a.py", "b.py", "c.py"])
    response = client.post("/v1/agents/implementer/submit", json={"task_id": task["id"]})
    assert_error(response, 422, "VALIDATION_ERROR", "files_to_modify")
    assert data(client.get(f"/v1/tasks/{task['id']}"))["status"] == "pending"


def test_a_file_type_the_role_does_not_allow_is_refused_naming_the_file(
    client: httpx.Client,
) -> None:
    task = create_task(client, title="Shell", files_to_modify=["README.md", "deploy.sh"])
    response = client.post("/v1/agents/implementer/submit", json={"task_id": task["id"]})
    assert_error(response, 422, "VALIDATION_ERROR", "files_to_modify[1]")
    allowed = data(client.get("/v1/agents/integrator/configuration"))["constraints"]
    assert ".sh" not in allowed["allowed_file_types"]


def test_a_disabled_role_takes_no_submissions(client: httpx.Client) -> None:
    data(client.put("/v1/agents/critic/configuration", json={"enabled": False}))
    task = create_task(client, title="Review")
    response = client.post("/v1/agents/critic/submit", json={"task_id": task["id"]})
    assert_error(response, 503, "AGENT_UNAVAILABLE", "role")
    data(client.put("/v1/agents/critic/configuration", json={"enabled": True}))
    assert submit(client, task["id"], role="critic")["status"] == "accepted"


def test_a_role_without_the_premium_model_never_escalates(client: httpx.Client) -> None:
    patch = {"available_models": ["glm-4.5"]}
    data(client.put("/v1/agents/implementer/configuration", json=patch))
    task = create_task(client, title="Implement OAuth2 login with SAML and JWT session tokens")
    submitted = submit(client, task["id"])
    assert (submitted["status"], submitted["model_assigned"]) == ("accepted", "glm-4.5")


def test_the_role_escalation_rules_decide_between_default_and_premium(client: httpx.Client) -> None:
    patch = {"escalation_rules": {"security_threshold": 0.0}}
    data(client.put("/v1/agents/implementer/configuration", json=patch))
    task = create_task(client, title="Fix a typo", files_to_modify=["README.md"])
    assert submit(client, task["id"])["status"] == "awaiting_approval"
