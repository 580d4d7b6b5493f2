"""The policies commands route with (kyros.domain.routing_policies), with no I/O."""

from __future__ import annotations

import msgspec
import pytest

from kyros.domain.agent_roles import DEFAULT_ROLES
from kyros.domain.configuration import DEFAULTS
from kyros.domain.model_catalog import DEFAULT_CATALOG
from kyros.domain.routing_errors import InvalidConfiguration
from kyros.domain.routing_policies import role_policy, system_policy

MODELS = DEFAULTS["models"]
IMPLEMENTER = DEFAULT_ROLES["implementer"]


def test_the_system_policy_routes_over_the_whole_catalogue_with_the_configured_models() -> None:
    policy = system_policy(DEFAULT_CATALOG, MODELS)
    assert policy.catalog.names() == DEFAULT_CATALOG.names()
    chosen = (policy.default_model, policy.escalation_model, policy.fallback_model)
    assert chosen == (MODELS["default_model"], MODELS["escalation_model"], MODELS["fallback_model"])


def test_a_role_routes_among_its_own_models_by_its_own_rules() -> None:
    policy = role_policy(DEFAULT_CATALOG, MODELS, IMPLEMENTER)
    assert set(policy.catalog.names()) == set(IMPLEMENTER.available_models)
    assert policy.default_model == IMPLEMENTER.default_model
    assert policy.escalation_model == MODELS["escalation_model"]
    assert policy.rules == IMPLEMENTER.escalation_rules


def test_a_role_without_the_escalation_model_never_escalates() -> None:
    only_default = msgspec.structs.replace(
        IMPLEMENTER, available_models=(IMPLEMENTER.default_model,)
    )
    policy = role_policy(DEFAULT_CATALOG, MODELS, only_default)
    assert policy.escalation_model == policy.fallback_model == IMPLEMENTER.default_model


def test_a_role_whose_default_model_left_the_catalogue_is_a_configuration_error() -> None:
    gone = msgspec.structs.replace(IMPLEMENTER, default_model="retired-model")
    with pytest.raises(InvalidConfiguration) as caught:
        role_policy(DEFAULT_CATALOG, MODELS, gone)
    assert caught.value.field == "default_model"
