"""Read-model writes that cannot choke on a stored value: unstorable text is replaced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyros.domain.text import is_storable, storable
from kyros.readstore.database import Cursor, Row


def _fine(param: Any) -> bool:
    """Most parameters are ASCII without NUL: that test is far cheaper than the full rule."""
    if not isinstance(param, str):
        return True
    return (param.isascii() and "\x00" not in param) or is_storable(param)


def _clean(params: Sequence[Any]) -> Sequence[Any]:
    for param in params:
        if not _fine(param):
            break
    else:
        return params
    return [storable(p) if isinstance(p, str) else p for p in params]


def storable_cursor(tx: Cursor, dialect: str) -> Cursor:
    """What projections write through. The boundary refuses NUL, but older versions stored
    it in events, and PostgreSQL text cannot hold it: such an event would stall its read
    model for ever, so there it becomes U+FFFD. SQLite holds NUL as it is, and the log
    cannot hold unpaired surrogates (msgpack refuses them), so SQLite skips the check."""
    return StorableCursor(tx) if dialect == "postgres" else tx


class StorableCursor:
    """Replaces unstorable text in every parameter it passes on."""

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

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.insert_new(table, columns, [_clean(r) for r in rows])

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()
