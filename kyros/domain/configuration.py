"""The system configuration aggregate: the spec's defaults and validated partial updates."""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kyros.domain.errors import DomainError

CONFIGURATION_ID: UUID = uuid5(NAMESPACE_URL, "kyros:configuration")

DEFAULTS: dict[str, dict[str, Any]] = {
    "system": {
        "version": "1.0.0",
        "environment": "production",
        "timezone": "UTC",
        "maintenance_mode": False,
    },
    "models": {
        "default_model": "glm-4.5",
        "escalation_model": "claude-4.1-opus",
        "fallback_model": "glm-4.5",
        "timeout": 300,
    },
    "escalation": {
        "auto_approve_threshold": Decimal("0.8"),
        "max_daily_escalations": 10,
        "cost_threshold": Decimal("20.00"),
        "approval_required": True,
        "expire_after_minutes": 1440,
        "pending_alert_minutes": 60,
    },
    "monitoring": {
        "metrics_retention_days": 90,
        "alert_enabled": True,
        "performance_tracking": True,
    },
    "security": {
        "jwt_expiration_hours": 24,
        "max_login_attempts": 5,
        "session_timeout_minutes": 30,
    },
}


@dataclass(frozen=True)
class Rule:
    """What one setting accepts: a kind, optional bounds, optional choices; `model` settings
    must name a model of the deployment's catalogue, or routing would fail for everyone."""

    kind: str  # "bool" | "int" | "decimal" | "str"
    low: Decimal | int | None = None
    high: Decimal | int | None = None
    choices: tuple[str, ...] = ()
    read_only: bool = False
    model: bool = False

    def check(self, path: str, value: Any) -> Any:
        if self.read_only:
            raise DomainError("is read-only", field=path)
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise DomainError("Must be a boolean", field=path)
            return value
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float | str):
            raise DomainError(f"Must be a {_KIND_NAMES[self.kind]}", field=path)
        if self.kind == "str":
            return self._check_str(path, value)
        return self._check_number(path, value)

    def _check_str(self, path: str, value: Any) -> str:
        if not isinstance(value, str) or not 1 <= len(value) <= 100:
            raise DomainError("Must be a string of 1 to 100 characters", field=path)
        if self.choices and value not in self.choices:
            raise DomainError(f"Must be one of: {', '.join(self.choices)}", field=path)
        return value

    def _check_number(self, path: str, value: Any) -> int | Decimal:
        if isinstance(value, str):
            raise DomainError(f"Must be a {_KIND_NAMES[self.kind]}", field=path)
        number = Decimal(str(value))
        # Range first: int(Decimal("1e999999999")) would build a billion-digit integer.
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            raise DomainError(f"Must be between {self.low} and {self.high}", field=path)
        if self.kind == "int":
            if number != number.to_integral_value():
                raise DomainError("Must be a whole number", field=path)
            number = Decimal(int(number))
        return int(number) if self.kind == "int" else number


_KIND_NAMES = {"int": "whole number", "decimal": "number", "str": "string", "bool": "boolean"}

RULES: dict[str, dict[str, Rule]] = {
    "system": {
        "version": Rule("str", read_only=True),
        "environment": Rule("str", choices=("production", "staging", "development")),
        "timezone": Rule("str", choices=("UTC",)),
        "maintenance_mode": Rule("bool"),
    },
    "models": {
        "default_model": Rule("str", model=True),
        "escalation_model": Rule("str", model=True),
        "fallback_model": Rule("str", model=True),
        "timeout": Rule("int", 1, 3600),
    },
    "escalation": {
        "auto_approve_threshold": Rule("decimal", Decimal(0), Decimal(1)),
        "max_daily_escalations": Rule("int", 0, 100_000),
        "cost_threshold": Rule("decimal", Decimal(0), Decimal(1_000_000)),
        "approval_required": Rule("bool"),
        "expire_after_minutes": Rule("int", 1, 43_200),
        "pending_alert_minutes": Rule("int", 1, 43_200),
    },
    "monitoring": {
        "metrics_retention_days": Rule("int", 1, 3650),
        "alert_enabled": Rule("bool"),
        "performance_tracking": Rule("bool"),
    },
    "security": {
        "jwt_expiration_hours": Rule("int", 1, 720),
        "max_login_attempts": Rule("int", 1, 100),
        "session_timeout_minutes": Rule("int", 1, 1440),
    },
}


def with_defaults(settings: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Settings recorded before a setting existed read it at its default."""
    return {
        section: {**copy.deepcopy(values), **settings.get(section, {})}
        for section, values in DEFAULTS.items()
    }


def validate_patch(patch: Any, models: Collection[str]) -> dict[str, dict[str, Any]]:
    """Checks a whole partial update before anything changes; returns normalised values.

    `models` are the names in the deployment's model catalogue, which model settings must name.
    """
    if not isinstance(patch, dict) or not patch:
        raise DomainError("Must be a non-empty object of configuration sections", field="body")
    clean: dict[str, dict[str, Any]] = {}
    for section, values in patch.items():
        rules = RULES.get(section)
        if rules is None:
            raise DomainError(f"Unknown section; one of: {', '.join(RULES)}", field=section)
        if not isinstance(values, dict) or not values:
            raise DomainError("Must be a non-empty object", field=section)
        for key, value in values.items():
            rule = rules.get(key)
            if rule is None:
                raise DomainError(
                    f"Unknown setting; one of: {', '.join(rules)}", field=f"{section}.{key}"
                )
            checked = rule.check(f"{section}.{key}", value)
            if rule.model and checked not in models:
                issue = f"Unknown model; one of: {', '.join(models)}"
                raise DomainError(issue, field=f"{section}.{key}")
            clean.setdefault(section, {})[key] = checked
    return clean


class Configuration(Aggregate):
    """A singleton; it comes into being with the spec's defaults on its first update."""

    @staticmethod
    def create_id() -> UUID:
        return CONFIGURATION_ID

    @event("Initialised")
    def __init__(self, *, settings: dict[str, dict[str, Any]], actor: str) -> None:
        self.settings = copy.deepcopy(settings)

    def change(self, patch: Any, *, models: Collection[str], actor: str) -> None:
        clean = validate_patch(patch, models)
        current = with_defaults(self.settings)
        changes = {
            f"{section}.{key}": {"old": current[section][key], "new": value}
            for section, values in clean.items()
            for key, value in values.items()
            if current[section][key] != value
        }
        if changes:
            self._changed(changes=changes, actor=actor)

    @event("Changed")
    def _changed(self, changes: dict[str, dict[str, Any]], actor: str) -> None:
        for path, change in changes.items():
            section, key = path.split(".", 1)
            self.settings.setdefault(section, {})[key] = change["new"]


def initial_configuration(actor: str) -> Configuration:
    return Configuration(settings=DEFAULTS, actor=actor)
