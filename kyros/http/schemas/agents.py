"""Request bodies of the Agent Coordination API and the agent worker protocol."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

from kyros.domain.agent import MAX_CAPACITY
from kyros.domain.vocabulary import Role
from kyros.http.schemas.tasks import Results, Text

ModelName = Annotated[str, Meta(min_length=1, max_length=100)]
Context = Annotated[dict[str, Any], Meta(max_length=50)]
Tokens = Annotated[int, Meta(ge=0, le=10**12)]


class SubmitPreferences(Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """`model` pins a model (the role must offer it; premium still waits for approval)."""

    model: ModelName | None = None
    temperature: Annotated[float, Meta(ge=0, le=2)] | None = None
    max_tokens: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None
    timeout: Annotated[int, Meta(ge=1, le=86_400)] | None = None
    cost_sensitive: bool = False
    quality_critical: bool = False


class SubmitRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """`immediate`: refuse with 503 AGENT_UNAVAILABLE instead of queueing when no agent of
    the role is connected."""

    task_id: Annotated[str, Meta(min_length=1, max_length=100)]
    context: Context = {}
    preferences: SubmitPreferences = SubmitPreferences()
    immediate: bool = False


class RegisterAgentRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    role: Role
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    capacity: Annotated[int, Meta(ge=1, le=MAX_CAPACITY)] = 1


class UsageIn(Struct, forbid_unknown_fields=True, kw_only=True):
    model: ModelName
    input_tokens: Tokens
    output_tokens: Tokens
    cached_tokens: Tokens = 0
    response_seconds: Annotated[float, Meta(ge=0, le=604_800)] | None = None


class CompleteRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    results: Results
    usage: UsageIn
    feedback: Text | None = None


class FailRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    error: Annotated[str, Meta(min_length=1, max_length=10_000)]
    retryable: bool = False
