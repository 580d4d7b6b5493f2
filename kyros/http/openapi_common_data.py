"""Pieces the answer-shape modules of the OpenAPI document share."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

Obj = dict[str, Any]
Context = Annotated[Obj, Meta(description="Free-form: the JSON object its submitter supplied.")]


class Pagination(Struct):
    total: int
    limit: int
    offset: int
    has_more: bool
