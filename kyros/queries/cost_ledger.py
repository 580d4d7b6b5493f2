"""The cost ledger: one page of attempts with the filter's totals, or every attempt in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from kyros.projections.cost_ledger import SCALE
from kyros.readstore.database import Database, Row
from kyros.timefmt import from_sortable, iso, sortable

EXPORT_CHUNK = 10_000  # rows per read (and per Parquet row group): bounds an export's memory
OUTCOMES = ("completed", "failed")


class LedgerFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Attempts finished in `[start, before)`; each tuple is OR within itself, filters AND."""

    start: datetime | None = None
    before: datetime | None = None
    model: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    task_id: tuple[str, ...] = ()
    user: tuple[str, ...] = ()
    task_type: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    limit: int = 50
    offset: int = 0


_COLUMNS = {  # filter field → column
    "model": "model",
    "role": "role",
    "task_id": "task_id",
    "user": "submitted_by",
    "task_type": "task_type",
    "outcome": "outcome",
}


def money(amount_nanos: int | None) -> Decimal | None:
    """Nano-dollars as the plainest exact Decimal (0.000286, not 2.86E-4 nor 0.000286000)."""
    if amount_nanos is None:
        return None
    amount = Decimal(amount_nanos).scaleb(-SCALE).normalize()
    return amount.quantize(Decimal(1)) if amount.as_tuple().exponent > 0 else amount  # type: ignore[operator]


def _price(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _iso(at: str) -> str | None:
    """`timefmt.iso` of a stored `sortable` time, by slicing (an export formats one per row)."""
    if len(at) != 27:
        return iso(from_sortable(at))
    return at[:19] + "Z" if at.endswith(".000000Z") else at


def ledger_view(row: Row) -> dict[str, Any]:
    """One attempt: money as exact Decimals, prices per 1,000 tokens as recorded."""
    return {
        "position": row["position"],
        "time": _iso(row["at"]),
        "task_id": row["task_id"],
        "submission_id": row["submission_id"],
        "role": row["role"],
        "model": row["model"],
        "user": row["submitted_by"],
        "created_by": row["created_by"],
        "task_type": row["task_type"],
        "escalation_id": row["escalation_id"],
        "input_tokens": row["input_tokens"],
        "output_tokens": row["output_tokens"],
        "cached_tokens": row["cached_tokens"],
        "input_price_per_1k": _price(row["input_per_1k"]),
        "output_price_per_1k": _price(row["output_per_1k"]),
        "cached_input_price_per_1k": _price(row["cached_input_per_1k"]),
        "currency": row["currency"],
        "cost": money(row["cost_nanos"]),
        "outcome": row["outcome"],
    }


def _where(f: LedgerFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if f.start is not None:
        where.append("at >= ?")
        params.append(sortable(f.start))
    if f.before is not None:
        where.append("at < ?")
        params.append(sortable(f.before))
    for field, column in _COLUMNS.items():
        values = getattr(f, field)
        if values:
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    return where, params


def list_ledger(db: Database, f: LedgerFilter) -> dict[str, Any]:
    """One page in log order (oldest first), and the totals of every attempt that matches."""
    where, params = _where(f)
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    with db.transaction(write=False) as tx:
        sums = tx.execute(
            "SELECT COUNT(*) AS attempts, COUNT(cost_nanos) AS priced, SUM(cost_nanos) AS cost,"
            " SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,"
            f" SUM(cached_tokens) AS cached_tokens FROM rm_cost_ledger {condition}",
            params,
        ).fetchone()
        rows = tx.execute(
            f"SELECT * FROM rm_cost_ledger {condition} ORDER BY position LIMIT ? OFFSET ?",
            [*params, f.limit, f.offset],
        ).fetchall()
    total = int(sums["attempts"]) if sums else 0
    return {
        "entries": [ledger_view(r) for r in rows],
        "totals": _totals(sums),
        "pagination": {
            "total": total,
            "limit": f.limit,
            "offset": f.offset,
            "has_more": f.offset + len(rows) < total,
        },
    }


def _totals(sums: Row | None) -> dict[str, Any]:
    """`cost` sums the priced attempts exactly (failures report no cost); 0 when none."""
    sums = sums or {}
    tokens = ("input_tokens", "output_tokens", "cached_tokens")
    return {
        "attempts": int(sums.get("attempts") or 0),
        "priced_attempts": int(sums.get("priced") or 0),
        "cost": money(int(sums.get("cost") or 0)),
        **{name: int(sums.get(name) or 0) for name in tokens},
    }


def ledger_chunks(db: Database, f: LedgerFilter, chunk: int = EXPORT_CHUNK) -> Iterator[list[Row]]:
    """Every matching attempt, in log order, `chunk` rows per read (one short transaction
    each, by position, so memory and transactions stay bounded). The attempts are those
    recorded when the first chunk is read: rows appended meanwhile are left out, so an export
    is a consistent prefix of the log."""
    where, params = _where(f)
    with db.transaction(write=False) as tx:
        head = tx.execute("SELECT MAX(position) AS head FROM rm_cost_ledger").fetchone()
    last, end = -1, int(head["head"]) if head and head["head"] is not None else -1
    condition = " AND ".join(["position > ?", "position <= ?", *where])
    while last < end:
        with db.transaction(write=False) as tx:
            rows = tx.execute(
                f"SELECT * FROM rm_cost_ledger WHERE {condition} ORDER BY position LIMIT ?",
                [last, end, *params, chunk],
            ).fetchall()
        if not rows:
            return
        yield rows
        last = int(rows[-1]["position"])
