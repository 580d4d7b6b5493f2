"""Request bodies of the Escalation API."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from msgspec import Meta, Struct

from kyros.domain.vocabulary import Priority
from kyros.http.schemas.agents import Context, ModelName

Reason = Annotated[str, Meta(min_length=1, max_length=2_000)]
Comments = Annotated[str, Meta(max_length=5_000)]
MAX_ESTIMATE = Decimal(1_000_000)


class EscalationSubmit(Struct, forbid_unknown_fields=True, kw_only=True):
    """Only `task_id` and `reason` are required (as the spec's client examples send); the
    models default to the task's current and the configured escalation model, and the
    estimate to routing's token estimate priced at the target model. `estimated_cost` is
    0 to 1,000,000 USD, checked by the controller (msgspec cannot bound a Decimal)."""

    task_id: Annotated[str, Meta(min_length=1, max_length=100)]
    reason: Reason
    original_model: ModelName | None = None
    target_model: ModelName | None = None
    context: Context = {}
    estimated_cost: Decimal | None = None
    priority: Priority | None = None


class EscalationDecision(Struct, forbid_unknown_fields=True, kw_only=True):
    decision: Literal["approved", "rejected"]
    reason: Reason | None = None
    approver_comments: Comments | None = None
