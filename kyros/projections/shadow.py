"""Rebuilds read models beside the live ones and swaps them in atomically once caught up, so
reads keep answering (from the old tables) for the whole rebuild.

A rebuild runs the projection's own `create`, `clear` and `apply` through a cursor that renames
its tables and indexes to `<name>__rebuild`; the tables it renames are those its `clear`
empties (a table `clear` keeps, like the webhook outbox's deliveries, is written in place as an
in-place rebuild would). One transaction then drops the old tables, renames the new ones into
place and sets the read model's position to where the rebuild got: SQLite and PostgreSQL both
rename within a transaction, so a reader sees the old tables or the new ones, never neither.

The indexes a projection names in `unread_indexes` (its `apply` never reads by them) are not
kept up row by row while the shadow fills: on PostgreSQL they are built once it is caught up,
before the swap; on SQLite the swap builds every index anew anyway (an index cannot be renamed
there), so the shadow's copy of them was built twice.

When every read model of the rebuild has shadow tables, its pages commit without waiting for
their WAL flush on PostgreSQL (`durable=False`). A crash may lose the last of them whole (rows
and position together), never part of one; no reader saw the shadow, and the next rebuild
discards it. WAL is flushed in order, so any later durable commit makes them durable too: the
swap, or what a reader of a table kept in place (the outbox's deliveries, written at most once
each) records after acting on a row. A rebuild in place (no shadow) stays durable throughout.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from kyros.projections.engine import Page, Projection, ProjectionEngine, Stepped, consumes
from kyros.projections.failures import clear_failure
from kyros.readstore.database import Cursor, Row
from kyros.timefmt import now, sortable

SUFFIX = "__rebuild"
_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)", re.IGNORECASE)
_INDEX = re.compile(r"CREATE (?:UNIQUE )?INDEX IF NOT EXISTS (\w+)\s+ON (\w+)", re.IGNORECASE)
_CLEARED = re.compile(r"DELETE FROM (\w+)", re.IGNORECASE)


def unread_indexes(projection: Projection) -> frozenset[str]:
    """The indexes `projection` declares its `apply` never reads by (none unless declared);
    a unique one is still built up front, being a constraint as well."""
    return frozenset(getattr(projection, "unread_indexes", ()))


class _Recording:
    """Takes statements without running them: what a projection's create and clear name."""

    rowcount = 0

    def __init__(self) -> None:
        self.sql: list[str] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Recording:
        self.sql.append(sql)
        return self

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        self.sql.append(sql)

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.sql.append(f"INSERT INTO {table}")

    def fetchone(self) -> Row | None:
        return None

    def fetchall(self) -> list[Row]:
        return []


@dataclass(frozen=True)
class Layout:
    """The tables a rebuild replaces, and the indexes on them (index -> table)."""

    tables: tuple[str, ...]
    indexes: dict[str, str]


def layout(projection: Projection) -> Layout | None:
    """None when the projection empties no table it creates: it is rebuilt in place."""
    created, cleared = _Recording(), _Recording()
    projection.create(created)
    projection.clear(cleared)
    made = [m for sql in created.sql for m in _TABLE.findall(sql)]
    emptied = {m for sql in cleared.sql for m in _CLEARED.findall(sql)}
    tables = tuple(t for t in made if t in emptied)
    indexes = {i: t for sql in created.sql for i, t in _INDEX.findall(sql) if t in tables}
    return Layout(tables, indexes) if tables else None


class _Renaming:
    """Passes statements on with the rebuilt tables' and indexes' names suffixed; the
    `CREATE INDEX` of an index in `skipped` is not passed on."""

    def __init__(
        self, cursor: Cursor, names: Collection[str], skipped: Collection[str] = ()
    ) -> None:
        self._cursor = cursor
        ordered = sorted(names, key=len, reverse=True)
        self._names = re.compile(r"\b(" + "|".join(map(re.escape, ordered)) + r")\b")
        self._skipped = frozenset(skipped)

    def _rename(self, sql: str) -> str:
        return self._names.sub(lambda m: m.group(1) + SUFFIX, sql)

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Renaming:
        if self._skipped:
            index = _INDEX.search(sql)  # a unique one is a constraint: never left out
            unique = index is not None and "UNIQUE" in index.group(0).upper()
            if index is not None and index.group(1) in self._skipped and not unique:
                return self
        self._cursor.execute(self._rename(sql), params)
        return self

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(self._rename(sql), params)

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.insert_new(self._rename(table), columns, rows)

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()


class Shadow:
    """A live projection, writing to its `__rebuild` tables under its own position."""

    def __init__(self, live: Projection, where: Layout) -> None:
        self.live = live
        self.layout = where
        self.name = live.name + SUFFIX
        kinds = consumes(live)
        if kinds is not None:
            self.consumes = kinds
        self._names = (*where.tables, *where.indexes)
        self._deferred = unread_indexes(live) & set(where.indexes)

    def create(self, tx: Cursor) -> None:
        """The shadow's tables, without the indexes its `apply` never reads by."""
        self.live.create(_Renaming(tx, self._names, self._deferred))

    def index(self, tx: Cursor) -> None:
        """The indexes `create` left out, built once over the filled tables."""
        if self._deferred:
            self.live.create(_Renaming(tx, self._names))

    def clear(self, tx: Cursor) -> None:
        self.live.clear(_Renaming(tx, self._names))

    def apply(self, tx: Cursor, page: Page) -> None:
        self.live.apply(_Renaming(tx, self._names), page)

    def discard(self, tx: Cursor) -> None:
        """Drops what an earlier, unfinished rebuild left behind."""
        for table in self.layout.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}{SUFFIX}")
        tx.execute("DELETE FROM projection_positions WHERE name = ?", (self.name,))
        clear_failure(tx, self.name)

    def swap(self, tx: Cursor, dialect: str) -> int:
        """Puts the rebuilt tables in place of the live ones; returns their position."""
        row = tx.execute(
            "SELECT position FROM projection_positions WHERE name = ?", (self.name,)
        ).fetchone()
        position = int(row["position"]) if row else 0
        tx.execute(
            "UPDATE projection_positions SET position = ?, updated_at = ? WHERE name = ?",
            (position, sortable(now()), self.live.name),
        )
        for table in self.layout.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")
            tx.execute(f"ALTER TABLE {table}{SUFFIX} RENAME TO {table}")
            if dialect == "postgres":  # its key's index too, or the next rebuild's clashes
                indexes = tx.execute(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
                    " AND tablename = ?",
                    (table,),
                ).fetchall()
                for index in (r["indexname"] for r in indexes if SUFFIX in r["indexname"]):
                    tx.execute(f"ALTER INDEX {index} RENAME TO {index.replace(SUFFIX, '')}")
        if dialect != "postgres":  # SQLite cannot rename an index: create() makes it again
            for index in self.layout.indexes:
                tx.execute(f"DROP INDEX IF EXISTS {index}{SUFFIX}")
        self.live.create(tx)
        tx.execute("DELETE FROM projection_positions WHERE name = ?", (self.name,))
        clear_failure(tx, self.name)
        clear_failure(tx, self.live.name)
        return position


def rebuild(
    engine: ProjectionEngine,
    names: Collection[str],
    limit: int,
    progress: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, Stepped]:
    """Rebuilds `names` in one pass over the log, each in shadow tables swapped in once caught
    up (in place when it has none: see `layout`). A read model that cannot be rebuilt keeps
    its live tables untouched; its result carries the error."""
    shadows: dict[str, Shadow] = {}
    runs: list[Projection] = []
    for name in names:
        live = engine.projections[name]
        where = layout(live)
        if where is None:
            engine.reset(name)
            runs.append(live)
        else:
            shadows[name] = Shadow(live, where)
            runs.append(shadows[name])
    with engine.db.transaction() as tx:
        for shadow in shadows.values():
            shadow.discard(tx)
    builder = ProjectionEngine(engine.app, engine.db, runs, durable=len(shadows) < len(runs))
    builder.setup()

    def report(at: dict[str, int]) -> None:
        if progress is not None:
            progress({n.removesuffix(SUFFIX): p for n, p in at.items()})

    built = builder.catch_up_all([p.name for p in runs], limit, report)
    results = {n.removesuffix(SUFFIX): s for n, s in built.items()}
    if engine.db.dialect == "postgres":  # SQLite's swap builds every index anew anyway
        with engine.db.transaction() as tx:
            for name, shadow in shadows.items():
                if results[name].error is None:
                    shadow.index(tx)
    with engine.db.transaction() as tx:
        for name, shadow in shadows.items():
            if results[name].error is None:
                shadow.swap(tx, engine.db.dialect)
            else:
                shadow.discard(tx)
    for name in shadows:
        engine.failure(name)  # the engine forgets a failure the swap cleared
    return results
