"""Request bodies of the budgets endpoints.

Ranges (limit 0 to 10,000,000 USD, alert_threshold 0 to 1), the scope's value and unique names are
checked by the domain's `validate_budget`, which names the field at fault.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Period = Literal["daily", "weekly", "monthly"]
Scope = Literal["system", "role", "model", "user"]
Enforcement = Literal["hard", "soft"]
ScopeValue = Annotated[str, Meta(min_length=1, max_length=100)]


class BudgetCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    period: Period
    limit: Decimal
    scope: Scope | UnsetType = UNSET
    scope_value: ScopeValue | UnsetType | None = UNSET
    enforcement: Enforcement | UnsetType = UNSET
    alert_threshold: Decimal | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET


class BudgetUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Partial: only the fields present change (`scope_value: null` for a system budget)."""

    name: Name | UnsetType = UNSET
    period: Period | UnsetType = UNSET
    limit: Decimal | UnsetType = UNSET
    scope: Scope | UnsetType = UNSET
    scope_value: ScopeValue | UnsetType | None = UNSET
    enforcement: Enforcement | UnsetType = UNSET
    alert_threshold: Decimal | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
