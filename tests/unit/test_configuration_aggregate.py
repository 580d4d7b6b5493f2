"""The Configuration aggregate and its validated partial updates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kyros.domain.configuration import DEFAULTS, initial_configuration, validate_patch
from kyros.domain.errors import DomainError
from kyros.domain.model_catalog import DEFAULT_CATALOG

MODELS = DEFAULT_CATALOG.names()


def test_defaults_are_exactly_the_spec_values() -> None:
    assert DEFAULTS["escalation"] == {
        "auto_approve_threshold": Decimal("0.8"),
        "max_daily_escalations": 10,
        "cost_threshold": Decimal("20.00"),
        "approval_required": True,
        # Kyros's additions: how long a pending escalation waits, and when it is flagged.
        "expire_after_minutes": 1440,
        "pending_alert_minutes": 60,
    }
    assert DEFAULTS["models"]["timeout"] == 300
    assert DEFAULTS["security"]["max_login_attempts"] == 5


def test_a_partial_update_changes_only_the_given_settings_and_records_old_values() -> None:
    config = initial_configuration(actor="admin")
    config.change(
        {"models": {"timeout": 600}, "escalation": {"cost_threshold": 25}}, models=MODELS, actor="a"
    )
    assert config.settings["models"]["timeout"] == 600
    assert config.settings["escalation"]["cost_threshold"] == Decimal(25)
    assert config.settings["models"]["default_model"] == "glm-4.5"
    changed = config.collect_events()[-1]
    assert changed.changes["models.timeout"] == {"old": 300, "new": 600}  # type: ignore[attr-defined]


def test_the_defaults_are_not_shared_with_the_aggregate() -> None:
    config = initial_configuration(actor="admin")
    config.change({"models": {"timeout": 601}}, models=MODELS, actor="a")
    assert DEFAULTS["models"]["timeout"] == 300


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"nope": {"x": 1}}, "nope"),
        ({"models": {"nope": 1}}, "models.nope"),
        ({"models": {"timeout": "600"}}, "models.timeout"),
        ({"models": {"timeout": True}}, "models.timeout"),
        ({"models": {"timeout": 1.5}}, "models.timeout"),
        ({"models": {"timeout": 0}}, "models.timeout"),
        ({"models": {"timeout": Decimal("1e999999999")}}, "models.timeout"),  # no huge int built
        ({"escalation": {"auto_approve_threshold": 1.5}}, "escalation.auto_approve_threshold"),
        ({"escalation": {"approval_required": "yes"}}, "escalation.approval_required"),
        ({"system": {"version": "2.0.0"}}, "system.version"),
        ({"system": {"environment": "moon"}}, "system.environment"),
        ({"models": {}}, "models"),
        ({"models": {"default_model": "no-such-model"}}, "models.default_model"),
        ({"models": {"escalation_model": "glm-4.5\u0000"}}, "models.escalation_model"),
        ({"models": {"fallback_model": "GLM-4.5"}}, "models.fallback_model"),
        ({}, "body"),
        ([], "body"),
    ],
)
def test_invalid_updates_name_the_offending_setting(patch: Any, field: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_patch(patch, MODELS)
    assert caught.value.field == field


def test_an_invalid_update_changes_nothing_even_when_other_settings_are_valid() -> None:
    config = initial_configuration(actor="admin")
    with pytest.raises(DomainError):
        config.change(
            {"models": {"timeout": 600}, "security": {"max_login_attempts": 0}},
            models=MODELS,
            actor="a",
        )
    assert config.settings["models"]["timeout"] == 300
    assert len(config.collect_events()) == 1


def test_model_settings_take_any_model_of_the_given_catalogue_and_nothing_else() -> None:
    config = initial_configuration(actor="admin")
    config.change({"models": {"fallback_model": "house-model"}}, models=["house-model"], actor="a")
    assert config.settings["models"]["fallback_model"] == "house-model"
    with pytest.raises(DomainError) as caught:
        config.change({"models": {"default_model": "glm-4.5"}}, models=["house-model"], actor="a")
    assert caught.value.field == "models.default_model"
    assert "house-model" in caught.value.issue
