"""The `projection_positions` table: where each read model is in the log. A position moves
only from the value its mover read (a conditional UPDATE), so two runners never apply a page
twice."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from kyros.readstore.database import Cursor
from kyros.timefmt import now, sortable

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS projection_positions (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    updated_at TEXT NOT NULL
)
"""


def create(tx: Cursor, names: Iterable[str]) -> None:
    tx.execute(TRACKING_DDL)
    for name in names:
        tx.execute(
            "INSERT INTO projection_positions (name, position, updated_at) "
            "VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING",
            (name, sortable(now())),
        )


def all_positions(tx: Cursor) -> dict[str, int]:
    rows = tx.execute("SELECT name, position FROM projection_positions").fetchall()
    return {r["name"]: int(r["position"]) for r in rows}


def position_in(tx: Cursor, name: str) -> int:
    row = tx.execute("SELECT position FROM projection_positions WHERE name = ?", (name,)).fetchone()
    return int(row["position"]) if row else 0


def positions_in(tx: Cursor, names: Collection[str]) -> dict[str, int]:
    marks = ", ".join("?" * len(names))
    rows = tx.execute(
        f"SELECT name, position FROM projection_positions WHERE name IN ({marks})",
        tuple(names),
    ).fetchall()
    found = {r["name"]: int(r["position"]) for r in rows}
    return {name: found.get(name, 0) for name in names}


def move(tx: Cursor, name: str, start: int, end: int) -> bool:
    """Moves `name` from `start` to `end`; False if it is not at `start` any more."""
    tx.execute(
        "UPDATE projection_positions SET position = ?, updated_at = ? "
        "WHERE name = ? AND position = ?",
        (end, sortable(now()), name, start),
    )
    return tx.rowcount == 1


def move_all(tx: Cursor, names: Iterable[str], starts: dict[str, int], end: int) -> set[str]:
    """Moves each of `names` still at its start to `end`, one UPDATE per start; returns
    those it moved."""
    by_start: dict[int, list[str]] = {}
    for name in names:
        by_start.setdefault(starts[name], []).append(name)
    moved: set[str] = set()
    stamp = sortable(now())
    for start, group in by_start.items():
        marks = ", ".join("?" * len(group))
        rows = tx.execute(
            "UPDATE projection_positions SET position = ?, updated_at = ? "
            f"WHERE position = ? AND name IN ({marks}) RETURNING name",
            (end, stamp, start, *group),
        ).fetchall()
        moved.update(r["name"] for r in rows)
    return moved


def rewind(tx: Cursor, name: str) -> None:
    tx.execute(
        "UPDATE projection_positions SET position = 0, updated_at = ? WHERE name = ?",
        (sortable(now()), name),
    )
