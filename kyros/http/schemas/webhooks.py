"""Request bodies for the webhooks endpoints."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

Url = Annotated[str, Meta(min_length=1, max_length=2_000)]
EventType = Annotated[str, Meta(min_length=1, max_length=100)]
Events = Annotated[list[EventType], Meta(min_length=1, max_length=50)]
Secret = Annotated[str, Meta(min_length=1, max_length=200)]
Description = Annotated[str, Meta(max_length=1_000)]
Overlap = Annotated[int, Meta(ge=0, le=7 * 86_400)]
DEFAULT_OVERLAP_SECONDS = 86_400


class WebhookCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    url: Url
    events: Events
    secret: Secret | None = None  # whsec_… or 16 to 200 chosen characters; generated if absent
    description: Description = ""


class WebhookUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Partial; the secret changes only through rotate-secret."""

    url: Url | UnsetType = UNSET
    events: Events | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    status: Literal["active", "paused"] | UnsetType = UNSET


class SecretRotation(Struct, forbid_unknown_fields=True, kw_only=True):
    secret: Secret | None = None
    overlap_seconds: Overlap = DEFAULT_OVERLAP_SECONDS
