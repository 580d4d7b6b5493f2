"""The Model Selection API over a real socket: the catalog, measured performance, selection."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, submit
from tests.e2e.helpers import assert_error

SPEC_SELECT = {
    "task_description": "Implement OAuth2 authentication with SAML integration",
    "task_type": "implementation",
    "files_to_modify": ["auth.py", "security/oauth2.py", "security/saml.py"],
    "complexity_indicators": {
        "file_count": 3,
        "service_count": 2,
        "security_sensitive": True,
        "business_critical": True,
    },
    "context": {
        "deadline": "2099-01-20T23:59:59Z",
        "team_experience": "medium",
        "budget_remaining": 100.0,
    },
    "preferences": {"cost_sensitive": True, "quality_critical": True},
}
LOCAL_MODEL = {
    "name": "local-coder",
    "provider": "Local",
    "status": "available",
    "recommended_usage": "offline_work",
    "capabilities": ["code_generation"],
    "limits": {"max_tokens": 4096, "requests_per_minute": 600, "tokens_per_minute": 1000000},
    "pricing": {"input_per_1k": 0.0005, "output_per_1k": 0.0005, "cached_input_per_1k": 0},
    "connection": {"kind": "simulated"},
}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """One extra model from KYROS_MODELS_FILE, and Opus disabled through the same file."""
    models = tmp_path / "models.json"
    disabled = {"name": "claude-4.1-opus", "status": "disabled"}
    models.write_text(json.dumps({"models": [LOCAL_MODEL, disabled]}))
    return msgspec.structs.replace(settings, models_file=models)


def test_the_model_list_has_the_specs_shape_with_configured_models(client: httpx.Client) -> None:
    listed = data(client.get("/v1/models"))
    assert listed["default_model"] == "glm-4.5"
    assert listed["escalation_model"] == "claude-4.1-opus"
    assert listed["models"] == [
        {
            "name": "glm-4.5",
            "provider": "GLM",
            "status": "available",
            "recommended_usage": "general_purpose",
        },
        {
            "name": "claude-4.1-opus",
            "provider": "Anthropic",
            "status": "disabled",
            "recommended_usage": "complex_tasks",
        },
        {
            "name": "local-coder",
            "provider": "Local",
            "status": "available",
            "recommended_usage": "offline_work",
        },
    ]


def test_a_model_shows_the_specs_information_and_no_performance_before_anything_ran(
    client: httpx.Client,
) -> None:
    glm = data(client.get("/v1/models/glm-4.5"))
    assert glm["capabilities"] == ["code_generation", "documentation", "testing", "bug_fixes"]
    assert glm["limits"] == {
        "max_tokens": 8192,
        "requests_per_minute": 60,
        "tokens_per_minute": 120000,
    }
    assert (glm["pricing"]["input_tokens"], glm["pricing"]["output_tokens"]) == (0.001, 0.002)
    assert glm["pricing"]["currency"] == "USD"
    assert glm["connection"] == {
        "kind": "openai",
        "base_url": "https://open.bigmodel.cn/api/paas/v4",
        "api_key_env": "GLM_API_KEY",
    }
    assert glm["performance"] == {
        "average_response_time": None,
        "success_rate": None,
        "quality_score": None,
        "tasks_completed": 0,
        "tasks_failed": 0,
        "performance_tracking": True,
    }
    assert data(client.get("/v1/models/local-coder"))["pricing"]["input_tokens"] == 0.0005


def test_an_unknown_model_is_not_found(client: httpx.Client) -> None:
    assert_error(client.get("/v1/models/gpt-17"), 404, "NOT_FOUND", "model_name")


def test_performance_comes_from_the_completions_agents_reported(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    for _ in range(2):
        submit(client, create_task(client, title="Fix a typo", files_to_modify=["README.md"])["id"])
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent, capacity=2)
        first, second = claim(agent, agent_id), claim(agent, agent_id)
        body = {
            "results": {"code_quality_score": 90},
            "usage": {
                "model": "glm-4.5",
                "input_tokens": 10,
                "output_tokens": 5,
                "response_seconds": 2,
            },
        }
        data(agent.post(f"/v1/submissions/{first['submission_id']}/complete", json=body))
        data(complete(agent, second["submission_id"], response_seconds=5))
    performance = data(client.get("/v1/models/glm-4.5"))["performance"]
    assert performance == {
        "average_response_time": 3.5,
        "success_rate": 100.0,
        "quality_score": 9.0,
        "tasks_completed": 2,
        "tasks_failed": 0,
        "performance_tracking": True,
    }


def test_selection_answers_in_the_specs_shape_and_skips_a_disabled_premium_model(
    client: httpx.Client,
) -> None:
    selected = data(client.post("/v1/models/select", json=SPEC_SELECT))
    assert set(selected) == {
        "selected_model",
        "confidence_score",
        "reasoning",
        "estimated_cost",
        "estimated_duration",
        "fallback_model",
    }
    assert set(selected["reasoning"]) == {
        "security_sensitive",
        "complexity_score",
        "business_impact",
        "cost_benefit_ratio",
        "summary",
    }
    assert selected["selected_model"] == "glm-4.5"  # Opus is disabled by the models file
    assert "claude-4.1-opus is not available" in selected["reasoning"]["summary"]
    assert selected["reasoning"]["security_sensitive"] is True
    assert selected["estimated_cost"] > 0
    assert selected["estimated_duration"] > 0


def test_pinning_a_disabled_model_is_unavailable_and_an_unknown_one_not_found(
    client: httpx.Client,
) -> None:
    pinned = {**SPEC_SELECT, "preferences": {"model": "claude-4.1-opus"}}
    assert_error(
        client.post("/v1/models/select", json=pinned), 503, "MODEL_UNAVAILABLE", "preferences.model"
    )
    unknown = {**SPEC_SELECT, "preferences": {"model": "gpt-17"}}
    assert_error(
        client.post("/v1/models/select", json=unknown), 404, "NOT_FOUND", "preferences.model"
    )
    task = create_task(client, title="Fix a typo", files_to_modify=["README.md"])
    body = {"task_id": task["id"], "preferences": {"model": "claude-4.1-opus"}}
    assert_error(client.post("/v1/agents/implementer/submit", json=body), 503, "MODEL_UNAVAILABLE")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"task_description": ""}, "task_description"),
        ({"task_type": "poetry"}, "task_type"),
        ({"context": {"budget_remaining": -1}}, "context.budget_remaining"),
        ({"context": {"deadline": "2099-01-20T23:59:59"}}, "context.deadline"),
        ({"complexity_indicators": {"file_count": -1}}, "complexity_indicators.file_count"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_a_bad_selection_request_is_refused_naming_the_field(
    client: httpx.Client, change: dict[str, object], field: str
) -> None:
    response = client.post("/v1/models/select", json={**SPEC_SELECT, **change})
    assert_error(response, 422, "VALIDATION_ERROR", field)
