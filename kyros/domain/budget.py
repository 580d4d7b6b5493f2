"""Budgets: spending limits per UTC calendar period, for the system or one role, model or user.

All definitions live in one BudgetBook aggregate: a dispatch must see every budget that
applies to it in one consistent read, and there are few budgets, edited rarely.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from kyros.domain.budget_errors import BudgetNotFound
from kyros.domain.errors import DomainError

BUDGET_BOOK_ID: UUID = uuid5(NAMESPACE_URL, "kyros:budgets")
PERIODS = ("daily", "weekly", "monthly")
SCOPES = ("system", "role", "model", "user")
ENFORCEMENTS = ("hard", "soft")
MAX_BUDGETS = 200
_MAX_LIMIT = Decimal(10_000_000)
_CENT = Decimal("0.01")


class BudgetSpec(msgspec.Struct, frozen=True, kw_only=True):
    """`scope_value` names the role, model or user; None for the whole system."""

    name: str
    period: str
    limit: Decimal
    scope: str = "system"
    scope_value: str | None = None
    enforcement: str = "hard"
    alert_threshold: Decimal = Decimal("0.8")
    enabled: bool = True

    def applies_to(self, role: str, model: str, user: str) -> bool:
        wanted = {"system": None, "role": role, "model": model, "user": user}[self.scope]
        return self.enabled and self.scope_value == wanted


_FIELDS = tuple(BudgetSpec.__struct_fields__)


def validate_budget(fields: dict[str, Any], current: BudgetSpec | None = None) -> BudgetSpec:
    """A whole definition (create) or a partial one over `current` (update), checked field
    by field so the error names the first bad one."""
    if not isinstance(fields, dict):
        raise DomainError("Must be an object", field="body")
    unknown = sorted(set(fields) - set(_FIELDS))
    if unknown:
        raise DomainError(f"Unknown field; one of: {', '.join(_FIELDS)}", field=unknown[0])
    if current is None:
        for required in ("name", "period", "limit"):
            if required not in fields:
                raise DomainError("is required", field=required)
    merged = {**(msgspec.structs.asdict(current) if current else {}), **fields}
    name = merged["name"]
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        raise DomainError("Must be a string of 1 to 100 characters", field="name")
    for key, choices in (("period", PERIODS), ("scope", SCOPES), ("enforcement", ENFORCEMENTS)):
        if key in merged and merged[key] not in choices:
            raise DomainError(f"Must be one of: {', '.join(choices)}", field=key)
    scope = merged.get("scope", "system")
    value = merged.get("scope_value")
    if scope == "system" and value is not None:
        raise DomainError("Must be null for a system budget", field="scope_value")
    if scope != "system" and (not isinstance(value, str) or not 1 <= len(value) <= 100):
        raise DomainError(f"Names the {scope} this budget limits", field="scope_value")
    if "enabled" in merged and not isinstance(merged["enabled"], bool):
        raise DomainError("Must be a boolean", field="enabled")
    limit = _decimal(merged["limit"], "limit", Decimal(0), _MAX_LIMIT)
    threshold = _decimal(
        merged.get("alert_threshold", Decimal("0.8")), "alert_threshold", Decimal(0), Decimal(1)
    )
    return BudgetSpec(
        **{**merged, "name": name.strip(), "limit": limit, "alert_threshold": threshold}
    )


def _decimal(value: Any, field: str, low: Decimal, high: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise DomainError("Must be a number", field=field)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise DomainError("Must be a number", field=field) from None
    if not number.is_finite() or not low <= number <= high:
        raise DomainError(f"Must be between {low} and {high}", field=field)
    return number.quantize(_CENT) if field == "limit" else number


class BudgetBook(Aggregate):
    """Definitions by `budget_…` id; spending is in each period's BudgetLedger."""

    @staticmethod
    def create_id() -> UUID:
        return BUDGET_BOOK_ID

    @event("Opened")
    def __init__(self, *, actor: str) -> None:
        self.budgets: dict[str, dict[str, Any]] = {}

    def get(self, budget_id: str) -> BudgetSpec:
        found = self.budgets.get(budget_id)
        if found is None:
            raise BudgetNotFound(budget_id)
        return msgspec.convert(found, BudgetSpec)

    def define(self, *, budget_id: str, fields: dict[str, Any], actor: str) -> BudgetSpec:
        if len(self.budgets) >= MAX_BUDGETS:
            raise DomainError(f"At most {MAX_BUDGETS} budgets", field="body")
        spec = validate_budget(fields)
        self._check_unique(spec.name, budget_id)
        self._defined(budget_id=budget_id, budget=msgspec.structs.asdict(spec), actor=actor)
        return spec

    @event("Defined")
    def _defined(self, budget_id: str, budget: dict[str, Any], actor: str) -> None:
        self.budgets[budget_id] = budget

    def change(self, *, budget_id: str, fields: dict[str, Any], actor: str) -> BudgetSpec:
        current = self.get(budget_id)
        spec = validate_budget(fields, current)
        self._check_unique(spec.name, budget_id)
        old = msgspec.structs.asdict(current)
        changes = {
            key: {"old": old[key], "new": value}
            for key, value in msgspec.structs.asdict(spec).items()
            if old[key] != value
        }
        if changes:
            self._changed(budget_id=budget_id, changes=changes, actor=actor)
        return spec

    @event("Changed")
    def _changed(self, budget_id: str, changes: dict[str, dict[str, Any]], actor: str) -> None:
        for key, change in changes.items():
            self.budgets[budget_id][key] = change["new"]

    def remove(self, *, budget_id: str, actor: str) -> None:
        self.get(budget_id)
        self._removed(budget_id=budget_id, actor=actor)

    @event("Removed")
    def _removed(self, budget_id: str, actor: str) -> None:
        del self.budgets[budget_id]

    def applicable(self, role: str, model: str, user: str) -> list[tuple[str, BudgetSpec]]:
        specs = ((budget_id, self.get(budget_id)) for budget_id in sorted(self.budgets))
        return [(bid, spec) for bid, spec in specs if spec.applies_to(role, model, user)]

    def _check_unique(self, name: str, budget_id: str) -> None:
        for other_id, other in self.budgets.items():
            if other_id != budget_id and other["name"].lower() == name.lower():
                raise DomainError(f"A budget named {other['name']!r} exists", field="name")
