"""Request bodies of the Analysis API (what-if replay)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from kyros.domain.what_if_scenario import MAX_SCENARIOS, Scenario

Moment = Annotated[str, Meta(min_length=1, max_length=40)]


class WhatIfRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """`from`/`to`: RFC 3339 times or dates (UTC), at most 400 days apart; `to` defaults to
    now and `from` to 30 days before `to`."""

    scenarios: Annotated[list[Scenario], Meta(min_length=1, max_length=MAX_SCENARIOS)]
    start: Moment | None = msgspec.field(default=None, name="from")
    end: Moment | None = msgspec.field(default=None, name="to")
