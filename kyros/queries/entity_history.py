"""Which stored events make up one entity's history, found by the entity's public id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from uuid import UUID

from kyros.domain.agent_role import agent_role_id
from kyros.domain.budget import BUDGET_BOOK_ID
from kyros.domain.budget_ledger import ledger_id
from kyros.domain.configuration import CONFIGURATION_ID
from kyros.domain.event_view import BUDGET_BOOK_ENTITY, CONFIGURATION_ENTITY, PREFIXES
from kyros.domain.vocabulary import ROLES
from kyros.ids import parse_id
from kyros.queries.events import EventQuery, View, iter_events, read_page
from kyros.readstore.database import Database

MAX_LEDGER_DAYS = 3_700  # how far back a budget's history looks for its period ledgers


def originators(kind: str, entity_id: str) -> frozenset[UUID]:
    """The aggregates whose events may concern the entity (empty: the id names none)."""
    if kind in ("budget", "budget_book"):
        return frozenset({BUDGET_BOOK_ID})
    if kind == "configuration":
        return frozenset({CONFIGURATION_ID}) if entity_id == CONFIGURATION_ENTITY else frozenset()
    if kind == "agent_role":
        return frozenset({agent_role_id(entity_id)}) if entity_id in ROLES else frozenset()
    found = parse_id(PREFIXES[kind], entity_id)
    return frozenset({found}) if found is not None else frozenset()


def exactly(kind: str, entity_id: str) -> Callable[[View], bool]:
    """A `keep` test: the event is about this entity (the budget book holds every budget)."""
    wanted = {"kind": kind, "id": entity_id}
    return lambda view: view["entity"] == wanted


def entity_query(kind: str, entity_id: str, after: int, limit: int) -> EventQuery:
    return EventQuery(
        after=after,
        limit=limit,
        originators=originators(kind, entity_id),
        keep=exactly(kind, entity_id),
    )


def budget_query(
    db: Database, budget_id: str, after: int, limit: int, today: date
) -> EventQuery | None:
    """A budget's definitions and the ledgers of its periods (ledger ids follow from the
    budget and the period's first day, so every day since its definition is a candidate);
    None if the budget was never defined."""
    book = EventQuery(limit=1_000, originators=frozenset({BUDGET_BOOK_ID}))
    defined = next(
        (v for v in iter_events(db, book) if v["entity"] == {"kind": "budget", "id": budget_id}),
        None,
    )
    if defined is None or defined["entity"]["id"] == BUDGET_BOOK_ENTITY:
        return None
    since = datetime.fromisoformat(defined["recorded_at"].replace("Z", "+00:00")).date()
    days = min((today - since).days, MAX_LEDGER_DAYS)
    ledgers = {ledger_id(budget_id, today - timedelta(days=n)) for n in range(days + 1)}

    def keep(view: View) -> bool:
        return view["entity"]["kind"] == "budget_ledger" or view["entity"]["id"] == budget_id

    return EventQuery(
        after=after, limit=limit, originators=frozenset({BUDGET_BOOK_ID, *ledgers}), keep=keep
    )


def exists(db: Database, query: EventQuery) -> bool:
    """Whether the log holds any event of the query's entity, wherever the page starts."""
    first = EventQuery(limit=1, originators=query.originators, keep=query.keep)
    return bool(read_page(db, first)[0])
