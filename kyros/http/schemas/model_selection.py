"""Request bodies of the Model Selection API."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from msgspec import Meta, Struct

from kyros.domain.routing import ComplexityIndicators, RoutingPreferences
from kyros.domain.vocabulary import TaskType
from kyros.http.schemas.tasks import Deadline, Files


class SelectContext(Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """As the spec's request; "now" is the server's clock, not the caller's."""

    deadline: Deadline | None = None
    team_experience: Literal["low", "medium", "high"] | None = None
    budget_remaining: Decimal | None = None  # checked by the handler (msgspec cannot bound it)


class SelectRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    task_description: Annotated[str, Meta(min_length=1, max_length=20_000)]
    task_type: TaskType = "implementation"
    files_to_modify: Files = []
    complexity_indicators: ComplexityIndicators = ComplexityIndicators()
    context: SelectContext = SelectContext()
    preferences: RoutingPreferences = RoutingPreferences()
