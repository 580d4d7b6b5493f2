"""Agent role configuration: the spec's defaults, validated partial updates, task constraints."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyros.domain.agent_roles import (
    DEFAULT_ROLES,
    AgentRoleConfig,
    check_constraints,
    default_role_config,
    validate_role_update,
)
from kyros.domain.model_catalog import DEFAULT_CATALOG
from kyros.domain.routing_errors import ConstraintViolated, InvalidConfiguration, RoleNotFound
from kyros.domain.vocabulary import ROLES

IMPLEMENTER = default_role_config("implementer")
# The spec shows .json and .yaml under /configuration/agents but not under /agents; we allow both.
ALLOWED = (".py", ".js", ".ts", ".md", ".json", ".yaml")
SPEC_IMPLEMENTER = {
    "role": "implementer",
    "enabled": True,
    "default_model": "glm-4.5",
    "available_models": ["glm-4.5", "claude-4.1-opus"],
    "capabilities": [
        "code_implementation",
        "test_creation",
        "bug_fixes",
        "documentation_updates",
    ],
    "preferences": {"temperature": 0.7, "max_tokens": 2000, "timeout": 300},
    "constraints": {
        "max_files_per_task": 10,
        "max_diff_size": 500,
        "allowed_file_types": list(ALLOWED),
    },
    "escalation_rules": {
        "security_threshold": 0.8,
        "complexity_threshold": 0.7,
        "business_impact_threshold": 0.6,
    },
}


def update(patch: Any, current: AgentRoleConfig = IMPLEMENTER) -> AgentRoleConfig:
    return validate_role_update(current, patch, DEFAULT_CATALOG)


def refused_field(patch: Any) -> str | None:
    with pytest.raises(InvalidConfiguration) as caught:
        update(patch)
    assert caught.value.code == "VALIDATION_ERROR"
    return caught.value.field


def test_the_implementer_defaults_are_exactly_the_specs_configuration() -> None:
    assert msgspec.json.decode(msgspec.json.encode(IMPLEMENTER)) == SPEC_IMPLEMENTER


def test_every_role_in_the_spec_has_defaults_that_pass_their_own_validation() -> None:
    assert set(DEFAULT_ROLES) == set(ROLES)
    for role in ROLES:
        config = default_role_config(role)
        assert config.role == role
        assert update({}, config) == config


def test_an_unknown_role_is_not_found() -> None:
    with pytest.raises(RoleNotFound) as caught:
        default_role_config("janitor")
    assert (caught.value.code, caught.value.status, caught.value.field) == (
        "NOT_FOUND",
        404,
        "role",
    )


def test_the_specs_update_example_merges_nested_objects_key_by_key() -> None:
    updated = update(
        {
            "default_model": "glm-4.5",
            "preferences": {"temperature": 0.8, "max_tokens": 2500, "timeout": 600},
            "escalation_rules": {"security_threshold": 0.9, "complexity_threshold": 0.8},
        }
    )
    assert msgspec.to_builtins(updated.preferences) == {
        "temperature": 0.8,
        "max_tokens": 2500,
        "timeout": 600,
    }
    assert updated.escalation_rules.security_threshold == 0.9
    assert updated.escalation_rules.complexity_threshold == 0.8
    assert updated.escalation_rules.business_impact_threshold == 0.6
    assert updated.constraints == IMPLEMENTER.constraints


def test_putting_back_the_whole_configuration_changes_nothing() -> None:
    assert update(SPEC_IMPLEMENTER) == IMPLEMENTER


def test_a_whole_number_temperature_is_stored_as_a_float() -> None:
    assert update({"preferences": {"temperature": 1}}).preferences.temperature == 1.0
    assert isinstance(update({"preferences": {"temperature": 1}}).preferences.temperature, float)


def test_a_role_can_be_disabled() -> None:
    assert update({"enabled": False}).enabled is False


def test_the_default_model_can_switch_to_another_available_model() -> None:
    assert update({"default_model": "claude-4.1-opus"}).default_model == "claude-4.1-opus"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"preferences": {"temperature": 2.5}}, "preferences.temperature"),
        ({"preferences": {"temperature": -0.1}}, "preferences.temperature"),
        ({"preferences": {"temperature": "hot"}}, "preferences.temperature"),
        ({"preferences": {"temperature": True}}, "preferences.temperature"),
        ({"preferences": {"max_tokens": 0}}, "preferences.max_tokens"),
        ({"preferences": {"max_tokens": 1.5}}, "preferences.max_tokens"),
        ({"preferences": {"max_tokens": 9000}}, "preferences.max_tokens"),
        ({"preferences": {"timeout": -1}}, "preferences.timeout"),
        ({"preferences": {"top_p": 0.9}}, "preferences.top_p"),
        ({"preferences": [0.7]}, "preferences"),
        ({"constraints": {"max_files_per_task": 0}}, "constraints.max_files_per_task"),
        ({"constraints": {"max_diff_size": False}}, "constraints.max_diff_size"),
        ({"constraints": {"allowed_file_types": []}}, "constraints.allowed_file_types"),
        ({"constraints": {"allowed_file_types": ["py"]}}, "constraints.allowed_file_types[0]"),
        ({"constraints": {"allowed_file_types": [".py", 3]}}, "constraints.allowed_file_types[1]"),
        ({"escalation_rules": {"security_threshold": 1.01}}, "escalation_rules.security_threshold"),
        (
            {"escalation_rules": {"complexity_threshold": -1}},
            "escalation_rules.complexity_threshold",
        ),
        ({"enabled": "yes"}, "enabled"),
        ({"default_model": "gpt-5"}, "default_model"),
        ({"default_model": ""}, "default_model"),
        ({"available_models": ["glm-4.5", "gpt-5"]}, "available_models[1]"),
        ({"available_models": ["glm-4.5", "glm-4.5"]}, "available_models"),
        ({"available_models": ["claude-4.1-opus"]}, "available_models"),
        ({"capabilities": "code_implementation"}, "capabilities"),
        ({"model": "glm-4.5"}, "model"),
        ({"role": "critic"}, "role"),
    ],
)
def test_an_invalid_update_is_refused_naming_the_offending_field(patch: Any, field: str) -> None:
    assert refused_field(patch) == field


def test_a_default_model_outside_the_available_models_is_refused() -> None:
    patch = {"default_model": "claude-4.1-opus", "available_models": ["glm-4.5"]}
    assert refused_field(patch) == "default_model"


def test_an_update_that_is_not_an_object_is_refused() -> None:
    assert refused_field(["enabled", False]) == "body"


@given(
    name=st.sampled_from(
        ["security_threshold", "complexity_threshold", "business_impact_threshold"]
    ),
    value=st.floats(0, 1),
)
def test_any_threshold_within_zero_and_one_is_accepted_as_given(name: str, value: float) -> None:
    updated = update({"escalation_rules": {name: value}})
    assert getattr(updated.escalation_rules, name) == value


@given(
    name=st.sampled_from(
        ["security_threshold", "complexity_threshold", "business_impact_threshold"]
    ),
    value=st.floats().filter(lambda x: not 0 <= x <= 1),
)
def test_any_threshold_outside_zero_and_one_is_refused(name: str, value: float) -> None:
    assert refused_field({"escalation_rules": {name: value}}) == f"escalation_rules.{name}"


@given(key=st.text(min_size=1, max_size=20).filter(lambda k: k not in SPEC_IMPLEMENTER))
def test_any_unknown_top_level_key_is_refused_by_name(key: str) -> None:
    assert refused_field({key: 1}) == key


def test_a_task_at_the_file_limit_is_accepted() -> None:
    check_constraints(IMPLEMENTER, [f"src/module_{n}.py" for n in range(10)])


def test_one_file_over_the_limit_is_refused_naming_files_to_modify() -> None:
    with pytest.raises(ConstraintViolated) as caught:
        check_constraints(IMPLEMENTER, [f"src/module_{n}.py" for n in range(11)])
    assert (caught.value.code, caught.value.field) == ("VALIDATION_ERROR", "files_to_modify")
    assert "11" in caught.value.issue


@pytest.mark.parametrize("path", ["deploy/run.sh", "Makefile", ".env", "src/app.py.bak"])
def test_a_file_of_a_disallowed_type_is_refused_naming_its_position(path: str) -> None:
    with pytest.raises(ConstraintViolated) as caught:
        check_constraints(IMPLEMENTER, ["src/app.py", path])
    assert caught.value.field == "files_to_modify[1]"
    assert path in caught.value.issue


def test_file_types_match_regardless_of_case() -> None:
    check_constraints(IMPLEMENTER, ["docs/README.MD", "web/Index.TS"])


@given(
    files=st.lists(
        st.tuples(
            st.from_regex(r"[a-z]{1,8}(/[a-z_]{1,8}){0,3}", fullmatch=True),
            st.sampled_from(ALLOWED),
        ).map("".join),
        max_size=10,
    )
)
def test_any_task_within_the_limit_using_allowed_types_passes(files: list[str]) -> None:
    check_constraints(IMPLEMENTER, files)
