"""The chain recomputed a batch at a time from plain tuples: verification's fast path.

It computes exactly what `StoredEvent.link_after` computes (a test holds them equal on every
event of a realistic log), without building an object per event: one SELECT of tuples, one
SHA-256 call per event. Anything odd about a row (an id that is not 32 hex digits, a value of
the wrong type) raises `Unusual`, and the caller hands the batch to the careful walk, which
reads the same rows through `read_stored` and says what is wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from kyros.audit.link import TAG, rfc3339
from kyros.audit.stored import recorded_at
from kyros.eventstore.log_sql import EVENTS_TABLE, POSITION_COLUMN
from kyros.readstore.database import Cursor
from kyros.readstore.tuples import tuples

Row = tuple[Any, ...]
_HEAD = b"\xa9timestamp\xd7\xff"  # as in `stored`: the recorder's usual first key and stamp


class Unusual(Exception):
    """A row the fast path does not read the way `read_stored` would: walk it carefully."""


def events_sql(dialect: str) -> str:
    """Positions (after, up to, limit) of the log as tuples (position, entity, version, topic,
    state); PostgreSQL sends the entity's 16 bytes, SQLite stores them as hex. (Having SQL
    lay out the fixed fields as one value measured no faster: its `printf` costs as much.)"""
    table, column = EVENTS_TABLE[dialect], POSITION_COLUMN[dialect]
    entity = "uuid_send(originator_id)" if dialect == "postgres" else "originator_id"
    return (
        f"SELECT {column}, {entity}, originator_version, topic, state FROM {table}"
        f" WHERE {column} > ? AND {column} <= ? ORDER BY {column} LIMIT ?"
    )


LINKS_SQL = (
    "SELECT position, link FROM audit_links WHERE position > ? AND position <= ? ORDER BY position"
)


def read_events(tx: Cursor, dialect: str, after: int, upto: int, limit: int) -> list[Row]:
    return tuples(tx, events_sql(dialect), (after, upto, limit))


def read_links(tx: Cursor, after: int, upto: int) -> list[Row]:
    return tuples(tx, LINKS_SQL, (after, upto))


def chain(rows: list[Row], previous: bytes, hex_ids: bool) -> list[bytes]:
    """The links of `rows` (from `read_events`), each from the one before, starting after
    `previous`. `hex_ids`: the entity column holds hex (SQLite) rather than 16 bytes."""
    links: list[bytes] = []
    append = links.append
    names: dict[str, bytes] = {}
    seconds: dict[int, bytes] = {}
    fromhex, from_bytes = bytes.fromhex, int.from_bytes
    for position, entity, version, topic, state in rows:
        if hex_ids:
            entity = fromhex(entity)
        if len(entity) != 16:
            raise Unusual(position)
        name = names.get(topic)
        if name is None:
            name = names[topic] = _name(topic)
        if state.startswith(_HEAD, 1) and 0x80 <= state[0] <= 0x8F and len(state) >= 21:
            packed = from_bytes(state[13:21])
            prefix = seconds.get(second := packed & 0x3_FFFF_FFFF)
            if prefix is None:
                prefix = seconds[second] = _moment_prefix(second)
            moment = b"%s%06dZ" % (prefix, (packed >> 34) // 1000)
        else:
            moment = _moment(state)
        previous = sha256(
            b"".join(
                (
                    TAG,
                    previous,
                    position.to_bytes(8),
                    entity,
                    version.to_bytes(8),
                    name,
                    moment,
                    len(state).to_bytes(4),
                    state,
                )
            )
        ).digest()
        append(previous)
    return links


def _name(topic: object) -> bytes:
    """The topic's length and UTF-8, as the link lays them out."""
    if type(topic) is not str:
        raise Unusual(topic)
    name = topic.encode()
    return len(name).to_bytes(4) + name


def _moment_prefix(second: int) -> bytes:
    """The moment's length (always 27 on this path) and its text up to the microseconds."""
    text = rfc3339(datetime.fromtimestamp(second, UTC))[:20].encode()
    return (27).to_bytes(4) + text


def _moment(state: object) -> bytes:
    if type(state) is not bytes:
        raise Unusual(state)
    text = recorded_at(state).encode()
    return len(text).to_bytes(4) + text
