"""Budget queries: definitions with the current UTC period's figures from its ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kyros.domain.budget_ledger import period_end, period_start
from kyros.ids import parse_id
from kyros.projections.jsondoc import loads
from kyros.readstore.database import Cursor, Database, Row
from kyros.timefmt import from_sortable, iso

_ZERO = Decimal(0)
_HUNDREDTH = Decimal("0.01")


def get_budget(db: Database, budget_id: str, now: datetime) -> dict[str, Any] | None:
    """None for an unknown id, and for a malformed one without asking the database."""
    if parse_id("budget", budget_id) is None:
        return None
    with db.transaction(write=False) as tx:
        row = tx.execute("SELECT * FROM rm_budgets WHERE id = ?", (budget_id,)).fetchone()
        return _view(tx, row, now) if row else None


def list_budgets(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Oldest first."""
    with db.transaction(write=False) as tx:
        rows = tx.execute("SELECT * FROM rm_budgets ORDER BY created_at, id").fetchall()
        return [_view(tx, row, now) for row in rows]


def _view(tx: Cursor, row: Row, now: datetime) -> dict[str, Any]:
    spec = loads(row["doc"])
    return {
        "id": row["id"],
        "name": spec["name"],
        "period": spec["period"],
        "limit": spec["limit"],
        "scope": spec["scope"],
        "scope_value": spec["scope_value"],
        "enforcement": spec["enforcement"],
        "alert_threshold": spec["alert_threshold"],
        "enabled": spec["enabled"],
        "created_by": row["created_by"],
        "created_at": iso(from_sortable(row["created_at"])),
        "updated_at": iso(from_sortable(row["updated_at"])),
        "current_period": _current_period(tx, row["id"], spec, now),
    }


def _current_period(tx: Cursor, budget_id: str, spec: dict[str, Any], now: datetime) -> Any:
    """`end` is exclusive; `remaining` goes negative when a soft budget is overcommitted;
    `utilization` is committed spend as a percent of the limit (null for a zero limit)."""
    start = period_start(spec["period"], now)
    ledger = tx.execute(
        "SELECT id, spent FROM rm_budget_ledgers WHERE budget_id = ? AND period_start = ?",
        (budget_id, start.isoformat()),
    ).fetchone()
    spent, held = _ZERO, []
    if ledger is not None:
        spent = Decimal(ledger["spent"])
        held = tx.execute(
            "SELECT amount FROM rm_budget_reservations WHERE ledger_id = ?", (ledger["id"],)
        ).fetchall()
    reserved = sum((Decimal(r["amount"]) for r in held), _ZERO)
    committed = spent + reserved
    limit = Decimal(spec["limit"])
    utilization = (committed / limit * 100).quantize(_HUNDREDTH, ROUND_HALF_UP) if limit else None
    return {
        "start": _midnight(start),
        "end": _midnight(period_end(spec["period"], start)),
        "spent": spent,
        "reserved": reserved,
        "committed": committed,
        "remaining": limit - committed,
        "utilization": utilization,
        "open_reservations": len(held),
    }


def _midnight(day: date) -> str | None:
    return iso(datetime.combine(day, time(), tzinfo=UTC))
