"""The events API: /v1/events (the log, filtered and paged, or streamed) and its catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import Parameter, QueryParameter
from litestar.response import Stream

from kyros.bootstrap import Kyros
from kyros.domain.errors import DomainError
from kyros.domain.event_catalogue import BY_NAME
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.event_params import bounded, entity_kinds, event_types, time_range
from kyros.queries.entity_history import exactly, originators
from kyros.queries.events import EventQuery, iter_events, read_page

NDJSON = "application/x-ndjson"
MAX_POSITION = 2**63 - 1
_line = msgspec.json.Encoder(decimal_format="number")
# Aliased parameters are bounded here (Litestar would name the Python argument, not the
# query parameter, in its refusal); the document still states the bounds.
_MAX_TYPES, _MAX_ACTOR, _MAX_INSTANT = {"maxLength": 2_000}, {"maxLength": 200}, {"maxLength": 64}


class EventController(Controller):
    path = "/events"
    opt = reads()  # the log itself: nothing to wait for
    tags = ["Audit"]

    @get("/", operation_id="ListEvents", guards=[requires("read_audit")])
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        after: int = Parameter(default=0, ge=0, le=MAX_POSITION),
        limit: int = Parameter(default=100, ge=1, le=1_000),
        event_type: str | None = QueryParameter(name="type", default=None, schema_extra=_MAX_TYPES),
        entity_kind: str | None = Parameter(default=None, max_length=400),
        entity_id: str | None = Parameter(default=None, max_length=200),
        # not `actor`: that name is the caller, injected (kyros.http.dependencies)
        who: str | None = QueryParameter(name="actor", default=None, schema_extra=_MAX_ACTOR),
        start: str | None = QueryParameter(name="from", default=None, schema_extra=_MAX_INSTANT),
        end: str | None = QueryParameter(name="to", default=None, schema_extra=_MAX_INSTANT),
    ) -> Response[Any]:
        """The log in order, past `after`. With `Accept: application/x-ndjson` every matching
        event up to the log's head as the request began streams as one JSON line each
        (`limit` is then the size of each read, not of the answer)."""
        kinds = entity_kinds(entity_kind)
        query = EventQuery(
            after=after,
            limit=limit,
            types=event_types(event_type),
            kinds=kinds,
            actor=bounded("actor", who, 200),
        )
        start_at, end_at = time_range(start, end)
        query = _entity(query, kinds, entity_id)
        query = replace(query, start=start_at, end=end_at)
        if NDJSON in request.headers.get("accept", ""):
            return Stream(_lines(kyros, query), media_type=NDJSON)
        events, next_after = await in_thread(read_page, kyros.db, query)
        return ok(request, {"events": events, "next_after": next_after})

    @get("/types", operation_id="ListEventTypes", guards=[requires("read_audit")])
    async def list_types(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """Every public event type, its entity kind and the JSON Schema of its `data`."""
        types = [
            {
                "type": t.name,
                "entity_kind": t.kind,
                "schema_version": t.version,
                "schema": t.schema(),
                "redacted": list(t.redacted),
            }
            for t in sorted(BY_NAME.values(), key=lambda t: t.name)
        ]
        return ok(request, {"types": types})


def _entity(query: EventQuery, kinds: tuple[str, ...] | None, entity_id: str | None) -> EventQuery:
    if entity_id is None:
        return query
    if kinds is None or len(kinds) != 1:
        raise DomainError("Must be given with exactly one entity_kind", field="entity_id")
    return replace(
        query, originators=originators(kinds[0], entity_id), keep=exactly(kinds[0], entity_id)
    )


def _lines(kyros: Kyros, query: EventQuery) -> Iterator[bytes]:
    for event in iter_events(kyros.db, query):
        yield _line.encode(event) + b"\n"
