"""Picks the adapter for a catalog model from the environment: real when its key is set."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping

from kyros.domain.model_catalog import ModelSpec
from kyros.runner.providers.base import Provider
from kyros.runner.providers.simulated import Simulated

log = logging.getLogger(__name__)

# Catalog names that differ from the provider's own model id; KYROS_MODEL_ID_<NAME> overrides.
WIRE_MODEL_IDS: Mapping[str, str] = {"claude-4.1-opus": "claude-opus-4-1"}


def provider_for(
    model: ModelSpec, environ: Mapping[str, str] | None = None, *, max_retries: int = 2
) -> Provider:
    """Simulated when the model's `api_key_env` variable is unset or empty (or kind is simulated).

    The base URL is the catalog's unless `<PREFIX>_BASE_URL` is set, PREFIX being the key's
    variable without `_API_KEY`: GLM_API_KEY → GLM_BASE_URL, ANTHROPIC_API_KEY → ANTHROPIC_BASE_URL.
    """
    env = os.environ if environ is None else environ
    connection = model.connection
    key_env = connection.api_key_env
    api_key = env.get(key_env, "") if key_env else ""
    if connection.kind == "simulated" or not key_env or not api_key:
        log.info("model %s: %s is unset, so it runs simulated", model.name, key_env)
        return Simulated()
    base_url = env.get(base_url_env(key_env)) or connection.base_url
    model_id = env.get(model_id_env(model.name)) or WIRE_MODEL_IDS.get(model.name, model.name)
    # The SDKs take seconds to import: only a configured key pays for one.
    if connection.kind == "anthropic":
        from kyros.runner.providers.anthropic_messages import AnthropicMessages

        return AnthropicMessages(
            base_url=base_url or "https://api.anthropic.com",
            api_key=api_key,
            model_id=model_id,
            max_retries=max_retries,
        )
    from kyros.runner.providers.openai_compatible import OpenAICompatible

    return OpenAICompatible(
        base_url=base_url or "https://api.openai.com/v1",
        api_key=api_key,
        model_id=model_id,
        max_retries=max_retries,
    )


def base_url_env(api_key_env: str) -> str:
    return f"{api_key_env.removesuffix('_API_KEY').removesuffix('_KEY')}_BASE_URL"


def model_id_env(model_name: str) -> str:
    """`claude-4.1-opus` → `KYROS_MODEL_ID_CLAUDE_4_1_OPUS`."""
    return "KYROS_MODEL_ID_" + re.sub(r"[^A-Z0-9]+", "_", model_name.upper()).strip("_")
