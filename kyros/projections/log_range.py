"""Catch-up's read of the log: a range of positions, only the consumed topics, decoded direct.

A rebuild knows where it stops (the head when it started), so a page is a range of positions:
one statement returns only the events some read model of the run consumes (`topic IN`), as
tuples, and the page still ends at the range's end when they are few, so positions move past
everything else unread. Rows are decoded as the library's mapper does, without its per-row
objects, by the same function the events API uses (upcasters included); a mapper that ciphers or
compresses is used itself.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Collection, Sequence
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent

from kyros.eventstore.log_reads import decode_values
from kyros.eventstore.log_sql import EVENTS_TABLE, POSITION_COLUMN
from kyros.projections.log_page import LogPage, Undecodable, kind_of
from kyros.readstore.database import Database

Decode = Callable[[str, Any, int, bytes], Any]


class _Topics:
    """The topics stored in the log up to a position, found once and then only for what the
    log gained since: a topic filter must name every stored spelling of a consumed type."""

    def __init__(self) -> None:
        self.upto = 0
        self.topics: frozenset[str] = frozenset()
        self.lock = threading.Lock()


_SEEN: weakref.WeakKeyDictionary[Any, _Topics] = weakref.WeakKeyDictionary()
_SEEN_LOCK = threading.Lock()


def stored_topics(db: Database, upto: int) -> frozenset[str]:
    with _SEEN_LOCK:
        seen = _SEEN.setdefault(db, _Topics())
    with seen.lock:
        if upto > seen.upto:
            table, column = EVENTS_TABLE[db.dialect], POSITION_COLUMN[db.dialect]
            with db.transaction(write=False) as tx:
                rows = tx.execute(
                    f"SELECT DISTINCT topic FROM {table} WHERE {column} > ? AND {column} <= ?",
                    (seen.upto, upto),
                ).fetchall()
            seen.topics = seen.topics | {r["topic"] for r in rows}
            seen.upto = upto
        return seen.topics


def decoder(mapper: Mapper[Any]) -> Decode:
    """A function of (topic, originator id, version, state) to the domain event: the log's own
    direct decoding (`eventstore.log_reads`, upcasters included), or the library's mapper when
    it ciphers or compresses."""
    if mapper.cipher is None and mapper.compressor is None:
        return lambda topic, originator_id, version, state: decode_values(
            originator_id, version, topic, state
        )

    def by_mapper(topic: str, originator_id: Any, version: int, state: bytes) -> Any:
        stored = StoredEvent(
            originator_id=originator_id, originator_version=version, topic=topic, state=state
        )
        return mapper.to_domain_event(stored)

    return by_mapper


# Read the range in log order by its index, never sort it: on a log PostgreSQL has not analyzed
# yet (a fresh import, a restore) it estimates a few rows for `topic IN` and sorts the whole rest
# of the range for each page (34 ms a page of 2,000 at 34k positions to go, 0.9 ms in order), so
# a catch-up grew with the square of the log.
_IN_ORDER = "SET LOCAL enable_sort = off"


def read_range(
    db: Database,
    decode: Decode,
    start: int,
    upto: int,
    limit: int,
    wanted: Collection[str] | None,
) -> LogPage:
    """The events of `wanted` kinds (every kind for None) past `start`, up to `upto`, at most
    `limit` of them; the page ends at `upto` unless the limit cut it short."""
    table, column = EVENTS_TABLE[db.dialect], POSITION_COLUMN[db.dialect]
    where, params = f"{column} > ? AND {column} <= ?", [start, upto]
    if wanted is not None:
        topics = sorted(t for t in stored_topics(db, upto) if kind_of(t) in wanted)
        if not topics:
            return LogPage.of([], upto, {}, [])
        where += f" AND topic IN ({', '.join('?' * len(topics))})"
        params += topics
    sql = (
        f"SELECT {column}, topic, originator_id, originator_version, state FROM {table}"
        f" WHERE {where} ORDER BY {column} LIMIT ?"
    )
    with db.transaction(write=False) as tx:
        if db.dialect == "postgres":
            tx.execute(_IN_ORDER)
        rows: Sequence[Sequence[Any]] = tx.tuples(sql, (*params, limit))
    ids: list[int] = []
    topics_at: dict[int, str] = {}
    events: list[tuple[int, str, Any]] = []
    for at, topic, originator_id, version, state in rows:
        ids.append(at)
        topics_at[at] = topic
        try:
            event = decode(topic, originator_id, version, bytes(state))
        except Exception as error:
            event = Undecodable(error)
        events.append((at, kind_of(topic), event))
    end = ids[-1] if len(ids) == limit else upto
    return LogPage.of(ids, end, topics_at, events)
