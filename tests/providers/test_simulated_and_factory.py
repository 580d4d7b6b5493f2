"""The offline simulated provider, and how the factory chooses between it and the real ones."""

from __future__ import annotations

import msgspec
import pytest

from kyros.domain.model_catalog import CLAUDE_41_OPUS, GLM_45, Connection
from kyros.runner.providers import CompletionRequest, provider_for
from kyros.runner.providers.anthropic_messages import AnthropicMessages
from kyros.runner.providers.factory import base_url_env, model_id_env
from kyros.runner.providers.openai_compatible import OpenAICompatible
from kyros.runner.providers.simulated import Simulated


def request(prompt: str = "Implement the thing.", max_tokens: int = 2000) -> CompletionRequest:
    return CompletionRequest(
        system="You are the implementer.", prompt=prompt, model="glm-4.5", max_tokens=max_tokens
    )


def test_the_simulated_provider_gives_the_same_text_and_tokens_for_the_same_prompt():
    first, second = Simulated().complete(request()), Simulated().complete(request())

    assert (first.text, first.usage) == (second.text, second.usage)
    assert first.simulated is True
    assert first.provider == "simulated"
    assert first.text.startswith("[simulated:")


def test_the_simulated_provider_answers_a_different_prompt_differently():
    first = Simulated().complete(request("Implement the thing."))
    other = Simulated().complete(request("Review the other thing."))

    assert first.text != other.text


def test_simulated_token_counts_follow_the_prompt_and_the_text():
    completion = Simulated().complete(request("x" * 400))

    assert completion.usage.input_tokens == 6 + 100  # ceil(24/4) + 400/4
    assert completion.usage.output_tokens == len(completion.text.split(" "))
    assert 24 <= completion.usage.output_tokens < 128
    assert completion.usage.cached_input_tokens == 0


def test_simulated_output_never_exceeds_max_tokens():
    assert Simulated().complete(request(max_tokens=5)).usage.output_tokens == 5


def test_a_model_without_its_key_in_the_environment_runs_simulated():
    assert isinstance(provider_for(GLM_45, {}), Simulated)
    assert isinstance(provider_for(CLAUDE_41_OPUS, {"ANTHROPIC_API_KEY": ""}), Simulated)


def test_a_simulated_connection_runs_simulated_even_with_a_key():
    model = msgspec.structs.replace(GLM_45, connection=Connection(kind="simulated"))

    assert isinstance(provider_for(model, {"GLM_API_KEY": "k"}), Simulated)


def test_a_key_selects_the_real_adapter_with_the_catalog_base_url_and_wire_model_id():
    glm = provider_for(GLM_45, {"GLM_API_KEY": "glm-secret"})
    claude = provider_for(CLAUDE_41_OPUS, {"ANTHROPIC_API_KEY": "ant-secret"})

    assert isinstance(glm, OpenAICompatible)
    assert (glm.base_url, glm.model_id) == ("https://open.bigmodel.cn/api/paas/v4", "glm-4.5")
    assert isinstance(claude, AnthropicMessages)
    assert (claude.base_url, claude.model_id) == ("https://api.anthropic.com", "claude-opus-4-1")
    assert "secret" not in repr(glm) + repr(claude)


def test_the_environment_overrides_base_url_and_wire_model_id():
    env = {
        "GLM_API_KEY": "k",
        "GLM_BASE_URL": "http://127.0.0.1:9/v1",
        "KYROS_MODEL_ID_GLM_4_5": "glm-4.5-air",
    }

    glm = provider_for(GLM_45, env)

    assert isinstance(glm, OpenAICompatible)
    assert (glm.base_url, glm.model_id) == ("http://127.0.0.1:9/v1", "glm-4.5-air")


@pytest.mark.parametrize(
    ("key_env", "expected"),
    [("GLM_API_KEY", "GLM_BASE_URL"), ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")],
)
def test_base_url_variables_are_named_after_the_key_variable(key_env, expected):
    assert base_url_env(key_env) == expected


def test_model_id_variables_are_named_after_the_catalog_name():
    assert model_id_env("claude-4.1-opus") == "KYROS_MODEL_ID_CLAUDE_4_1_OPUS"
