"""A page's rows of one table, loaded in one chunked SELECT, changed in memory, written once.

Rebuilds are round-trip bound: a statement per event caps a read model at a few thousand
events a second. Projections fold a page's events into the rows they touch instead, so a
page costs a constant number of statements whatever its length: `load` the touched keys,
`get`/`put`/`delete` per event, `flush` what changed (one `executemany` of deletes, one of
upserts, and rows known absent, loaded so or marked `absent`, inserted as new: COPY on
PostgreSQL). The upsert writes every column, so the stored row is exactly the in-memory one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kyros.readstore.database import Cursor

Key = Any  # a column's value, or a tuple of values for a composite key
Row = dict[str, Any]

CHUNK = 500  # keys per statement: well under SQLite's bound-parameter limit
_UNKNOWN: Any = object()  # a key put or deleted without being loaded: its row is not known


class RowSet:
    """Rows of `table` by primary key `key` (one column name, or a tuple of names)."""

    def __init__(self, table: str, key: str | tuple[str, ...], columns: Sequence[str]) -> None:
        self.table = table
        self.key = key if isinstance(key, tuple) else (key,)
        self.columns = tuple(columns)
        self._composite = isinstance(key, tuple)
        self._rows: dict[Key, Row | None] = {}  # None: known absent (or deleted)
        self._stored: dict[Key, Row | None] = {}  # as loaded, to write only what changed
        names = ", ".join(self.columns)
        keys = ", ".join(self.key)
        updates = ", ".join(f"{c} = excluded.{c}" for c in self.columns if c not in self.key)
        marks = ", ".join("?" * len(self.columns))
        self._select = f"SELECT {names} FROM {self.table} WHERE "
        self._upsert = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({keys}) " + (
            f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        )
        self._delete = f"DELETE FROM {table} WHERE " + " AND ".join(f"{k} = ?" for k in self.key)

    def load(self, tx: Cursor, keys: Iterable[Key]) -> None:
        """Reads the rows of `keys` not read yet; a key without a row is known absent."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self._rows]
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            for key in chunk:
                self._rows[key] = None
            for row in tx.execute(*self._where(chunk)).fetchall():
                key = self.key_of(row)
                self._rows[key] = row
            for key in chunk:
                found = self._rows[key]
                self._stored[key] = dict(found) if found is not None else None

    def absent(self, keys: Iterable[Key]) -> None:
        """Takes `keys` as having no row without reading them (an entity this page creates):
        `load` skips them, and `flush` inserts them as new."""
        for key in keys:
            if key not in self._rows:
                self._rows[key] = None
                self._stored[key] = None

    def loaded(self, rows: Iterable[Row]) -> None:
        """Takes rows the caller read itself (by another column) as loaded."""
        for row in rows:
            key = self.key_of(row)
            if key not in self._rows:
                self._rows[key] = row
                self._stored[key] = dict(row)

    def _where(self, chunk: list[Key]) -> tuple[str, list[Any]]:
        if not self._composite:
            marks = ", ".join("?" * len(chunk))
            return f"{self._select}{self.key[0]} IN ({marks})", chunk
        row = "(" + ", ".join("?" * len(self.key)) + ")"
        values = ", ".join([row] * len(chunk))
        params = [value for key in chunk for value in key]
        return f"{self._select}({', '.join(self.key)}) IN (VALUES {values})", params

    def key_of(self, row: Row) -> Key:
        if self._composite:
            return tuple(row[k] for k in self.key)
        return row[self.key[0]]

    def get(self, key: Key) -> Row | None:
        """The row as this page has it so far; the key must have been loaded."""
        return self._rows[key]

    def put(self, row: Row) -> None:
        """Sets a whole row (every column); it replaces whatever the key held, loaded or not."""
        self._rows[self.key_of(row)] = row

    def delete(self, key: Key) -> None:
        self._rows[key] = None

    def flush(self, tx: Cursor) -> None:
        """Writes the rows that differ from what was loaded; the set is empty afterwards."""
        deleted, written, new = [], [], []
        for key, row in self._rows.items():
            stored = self._stored.get(key, _UNKNOWN)
            if row is None:
                if stored is not None:  # unknown too: it may have a row
                    deleted.append(key if self._composite else (key,))
            elif stored is None:  # known absent: no conflict to resolve
                new.append(tuple(row[c] for c in self.columns))
            elif row != stored:
                written.append(tuple(row[c] for c in self.columns))
        if deleted:
            tx.executemany(self._delete, deleted)
        if written:
            tx.executemany(self._upsert, written)
        if new:
            tx.insert_new(self.table, self.columns, new)
        self._rows.clear()
        self._stored.clear()
