"""Response `data` shapes of the events API and the per-entity histories, for the document."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct


class EntityRef(Struct):
    kind: str
    id: str


class PublicEvent(Struct):
    """One event of the log; `data` follows its type's schema at `version` of the catalogue."""

    position: Annotated[int, Meta(description="The event's place in the log (one order).")]
    id: str
    type: Annotated[str, Meta(description="The public type name, e.g. `task.created`.")]
    entity: EntityRef
    version: Annotated[int, Meta(description="The entity's version after this event.")]
    actor: str | None
    recorded_at: str
    data: Annotated[
        dict[str, Any],
        Meta(
            description="Free-form per type: the fields of the type's schema at "
            "GET /v1/events/types, secrets redacted."
        ),
    ]


class EventPage(Struct):
    events: list[PublicEvent]
    next_after: Annotated[
        int | None,
        Meta(description="Pass as `after` for the next page; null once nothing more matches."),
    ]


class EventTypeInfo(Struct):
    type: str
    entity_kind: str
    schema_version: int
    schema: Annotated[
        dict[str, Any], Meta(description="Free-form: a JSON Schema of the type's `data`.")
    ]
    redacted: list[str]


class EventTypeList(Struct):
    types: list[EventTypeInfo]


EVENT_DATA: dict[str, Any] = {
    "ListEvents": EventPage,
    "ListEventTypes": EventTypeList,
    "GetTaskHistory": EventPage,
    "GetEscalationHistory": EventPage,
    "GetBudgetHistory": EventPage,
    "GetWebhookHistory": EventPage,
    "GetUserHistory": EventPage,
    "GetAgentRoleHistory": EventPage,
    "GetConfigurationHistory": EventPage,
}
