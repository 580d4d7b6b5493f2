"""Request bodies of the alert endpoints."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct


class AlertNote(Struct, forbid_unknown_fields=True, kw_only=True):
    """Optional on acknowledge and resolve: why, or what was done."""

    note: Annotated[str, Meta(min_length=1, max_length=2_000)] | None = None
