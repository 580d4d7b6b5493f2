"""A budget's past and current periods: what each spent and holds against the limit that
applied to it (the limit in force at the period's end, or now for the current one)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kyros.domain.budget_ledger import period_end
from kyros.ids import parse_id
from kyros.readstore.database import Cursor, Database
from kyros.timefmt import iso, sortable

_ZERO = Decimal(0)
_HUNDREDTH = Decimal("0.01")


def list_budget_periods(
    db: Database,
    budget_id: str,
    now: datetime,
    page: tuple[int, int],
    starts: tuple[datetime | None, datetime | None] = (None, None),
) -> tuple[list[dict[str, Any]], int] | None:
    """Newest first, one per period in which work was reserved or settled, those starting
    in [from, to) when given; `page` is (limit, offset). None for an unknown budget."""
    if parse_id("budget", budget_id) is None:
        return None
    where, params = "budget_id = ?", [budget_id]
    for bound, op in zip(starts, (">=", "<"), strict=True):
        if bound is not None:
            where += f" AND period_start {op} ?"
            params.append(_first_day_from(bound).isoformat())
    limit, offset = page
    with db.transaction(write=False) as tx:
        if tx.execute("SELECT 1 FROM rm_budgets WHERE id = ?", (budget_id,)).fetchone() is None:
            return None
        total = tx.execute(f"SELECT COUNT(*) AS n FROM rm_budget_ledgers WHERE {where}", params)
        count = int(total.fetchone()["n"])
        ledgers = tx.execute(
            f"SELECT id, period, period_start, spent FROM rm_budget_ledgers WHERE {where}"
            " ORDER BY period_start DESC, id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        held = _reservations(tx, [r["id"] for r in ledgers])
        limits = tx.execute(
            "SELECT since, amount FROM rm_budget_limits WHERE budget_id = ? ORDER BY version",
            (budget_id,),
        ).fetchall()
    items = []
    for row in ledgers:
        start = date.fromisoformat(row["period_start"])
        end = period_end(row["period"], start)
        in_force = min(_midnight(end), now)
        amounts = held.get(row["id"], [])
        items.append(
            _figures(
                start, end, row["period"], Decimal(row["spent"]), amounts, _limit(limits, in_force)
            )
            | {"current": _midnight(start) <= now < _midnight(end)}
        )
    return items, count


def _reservations(tx: Cursor, ledger_ids: list[str]) -> dict[str, list[Decimal]]:
    if not ledger_ids:
        return {}
    marks = ", ".join("?" * len(ledger_ids))
    rows = tx.execute(
        f"SELECT ledger_id, amount FROM rm_budget_reservations WHERE ledger_id IN ({marks})",
        ledger_ids,
    ).fetchall()
    held: dict[str, list[Decimal]] = {}
    for r in rows:
        held.setdefault(r["ledger_id"], []).append(Decimal(r["amount"]))
    return held


def _limit(limits: list[Any], at: datetime) -> Decimal | None:
    """The last limit set before `at` (the first one if the period began before any)."""
    moment = sortable(at) or ""
    chosen = [r["amount"] for r in limits if r["since"] < moment] or [r["amount"] for r in limits]
    return Decimal(chosen[-1]) if chosen else None


def _figures(
    start: date,
    end: date,
    period: str,
    spent: Decimal,
    held: list[Decimal],
    limit: Decimal | None,
) -> dict[str, Any]:
    reserved = sum(held, _ZERO)
    committed = spent + reserved
    utilization = None
    if limit:
        utilization = (committed / limit * 100).quantize(_HUNDREDTH, ROUND_HALF_UP)
    return {
        "start": iso(_midnight(start)),
        "end": iso(_midnight(end)),
        "period": period,
        "limit": limit,
        "spent": spent,
        "reserved": reserved,
        "committed": committed,
        "remaining": None if limit is None else limit - committed,
        "utilization": utilization,
        "open_reservations": len(held),
    }


def _first_day_from(moment: datetime) -> date:
    """The first day whose midnight is at or after `moment`."""
    day = moment.astimezone(UTC).date()
    return day if _midnight(day) >= moment else day + timedelta(days=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
