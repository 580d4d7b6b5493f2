"""The AgentRole aggregate: defaults on first change, validated updates, only real changes."""

from __future__ import annotations

import pytest

from kyros.domain.agent_role import AgentRole, agent_role_id, initial_agent_role
from kyros.domain.agent_roles import DEFAULT_ROLES
from kyros.domain.model_catalog import DEFAULT_CATALOG
from kyros.domain.routing_errors import InvalidConfiguration, RoleNotFound


def names(role: AgentRole) -> list[str]:
    return [type(e).__name__ for e in role.collect_events()]


def test_a_role_starts_from_its_defaults_under_an_id_derived_from_its_name() -> None:
    role = initial_agent_role("critic", actor="user_1")
    assert role.id == agent_role_id("critic") != agent_role_id("architect")
    assert role.current == DEFAULT_ROLES["critic"]


def test_a_change_records_old_and_new_of_the_changed_sections_only() -> None:
    role = initial_agent_role("implementer", actor="user_1")
    role.change(
        {"preferences": {"timeout": 600}, "enabled": True}, catalog=DEFAULT_CATALOG, actor="u"
    )
    events = role.collect_events()
    assert [type(e).__name__ for e in events] == ["Initialised", "Changed"]
    assert set(events[1].changes) == {"preferences"}  # type: ignore[attr-defined]
    assert events[1].changes["preferences"]["old"]["timeout"] == 300  # type: ignore[attr-defined]
    assert role.current.preferences.timeout == 600


def test_putting_back_the_current_values_records_nothing() -> None:
    role = initial_agent_role("implementer", actor="user_1")
    role.collect_events()
    role.change({"default_model": "glm-4.5"}, catalog=DEFAULT_CATALOG, actor="u")
    assert names(role) == []


def test_an_invalid_change_records_nothing_and_names_the_field() -> None:
    role = initial_agent_role("implementer", actor="user_1")
    role.collect_events()
    with pytest.raises(InvalidConfiguration) as caught:
        role.change({"preferences": {"temperature": 9}}, catalog=DEFAULT_CATALOG, actor="u")
    assert caught.value.field == "preferences.temperature"
    assert names(role) == []


def test_only_the_four_roles_exist() -> None:
    with pytest.raises(RoleNotFound):
        initial_agent_role("wizard", actor="u")
