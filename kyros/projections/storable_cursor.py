"""Read-model writes that cannot choke on a stored value: unstorable text is replaced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyros.domain.text import is_storable, storable
from kyros.store.database import Cursor, Row


def _clean(params: Sequence[Any]) -> Sequence[Any]:
    if all(not isinstance(p, str) or is_storable(p) for p in params):
        return params
    return [storable(p) if isinstance(p, str) else p for p in params]


class StorableCursor:
    """What projections write through. The boundary refuses NUL, but older versions stored
    it in events, and PostgreSQL text cannot hold it: such an event would stall its read
    model for ever. Replacing it (U+FFFD) on both stores keeps their read models equal."""

    def __init__(self, cursor: Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def execute(self, sql: str, params: Sequence[Any] = ()) -> StorableCursor:
        self._cursor.execute(sql, _clean(params))
        return self

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(sql, [_clean(p) for p in params])

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()
