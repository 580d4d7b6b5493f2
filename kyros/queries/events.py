"""The log as auditors read it: filtered pages of public events, and whole streams of them.

It reads the event store's own table (as `queries.identity` does for freshness), through the
read-model connection: both live in one database. Filters that SQL can apply (type, entity)
narrow the statement; the others (actor, time) are applied to decoded events. Every statement
is bounded by a window of positions, so a rare match never makes one request read the whole
log: a page may then hold fewer events than asked, and `next_after` says where to go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from kyros.domain.event_catalogue import BY_QUALNAME, EventType
from kyros.domain.event_view import event_type, public_view
from kyros.eventstore.log_reads import decode_values, stored_rows
from kyros.eventstore.log_sql import head
from kyros.readstore.database import Database
from kyros.readstore.tuples import tuples

WINDOW = 20_000  # positions one statement may range over
BUDGET = 200_000  # positions one page may range over before it answers with what it has

View = dict[str, Any]


@dataclass(frozen=True)
class EventQuery:
    """`types` None: every type; `originators` narrows to those aggregates' events (with
    `entity` then checked exactly); `start`/`end` bound the recorded time, inclusive."""

    after: int = 0
    limit: int = 100
    types: tuple[EventType, ...] | None = None
    kinds: tuple[str, ...] | None = None
    originators: frozenset[UUID] | None = None
    keep: Callable[[View], bool] | None = None
    actor: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def topics(self) -> list[str] | None:
        chosen = BY_QUALNAME.values() if self.types is None else self.types
        if self.kinds is not None:
            chosen = [t for t in chosen if t.kind in self.kinds]
        elif self.types is None:
            return None
        return sorted(get_topic(t.event_class) for t in chosen)

    def wants(self, event: Any, view: View) -> bool:
        if self.actor is not None and view["actor"] != self.actor:
            return False
        if self.start is not None and event.timestamp < self.start:
            return False
        if self.end is not None and event.timestamp > self.end:
            return False
        return self.keep is None or self.keep(view)


def log_head(db: Database) -> int:
    with db.transaction(write=False) as cur:
        row = cur.execute(head(db.dialect)).fetchone()
    return int(row["head"] or 0) if row else 0


def read_page(
    db: Database, query: EventQuery, stop: int | None = None
) -> tuple[list[View], int | None]:
    """Up to `query.limit` events past `query.after`, and the `after` of the next page (None
    once the log, up to `stop` or its head now, holds nothing more that matches)."""
    last = log_head(db) if stop is None else stop
    topics = query.topics()
    if topics == [] or query.originators == frozenset():
        return [], None
    found: list[View] = []
    cursor = query.after
    needle = query.actor.encode() if query.actor else None
    with db.transaction(write=False) as cur:
        while cursor < last and cursor - query.after < BUDGET:
            # entity reads follow the primary key, not a window of the whole log
            upto = last if query.originators is not None else min(last, cursor + WINDOW)
            want = query.limit + 1 - len(found)
            sql, params = stored_rows(
                db.dialect,
                after=cursor,
                upto=upto,
                topics=topics,
                originators=query.originators,
                limit=want,
            )
            rows = tuples(cur, sql, params)  # (position, originator_id, version, topic, state)
            for row in rows:
                if needle is not None and needle not in bytes(row[4]):
                    continue  # the actor is stored in the state as-is: no need to decode
                view = _view(row)
                if view is not None and query.wants(*view):
                    found.append(view[1])
            # a statement that filled its limit may have left rows in its window
            cursor = int(rows[-1][0]) if len(rows) == want else upto
            if len(found) > query.limit:
                return found[: query.limit], found[query.limit - 1]["position"]
    return found, (cursor if cursor < last else None)


def _view(row: tuple[Any, ...]) -> tuple[Any, View] | None:
    position, originator_id, version, topic, state = row
    event = decode_values(originator_id, version, topic, state)
    described = event_type(event)
    if described is None:
        return None
    return event, public_view(int(position), event, described)


def iter_events(db: Database, query: EventQuery) -> Iterator[View]:
    """Every matching event past `query.after`, up to the log's head when the stream began,
    read a page (one short transaction) at a time: memory stays bounded by a page."""
    stop = log_head(db)
    after: int | None = query.after
    while after is not None:
        page, after = read_page(db, replace(query, after=after), stop)
        yield from page
