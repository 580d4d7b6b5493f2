"""A budget's periods: GET /v1/budgets/{id}/periods, what each period spent against its limit."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from kyros.bootstrap import Kyros
from kyros.domain.budget_errors import BudgetNotFound
from kyros.http.auth import requires_any
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.queries.budget_periods import list_budget_periods
from kyros.queries.periods import parse_instant
from kyros.timefmt import now

_FROM = "Periods starting at or after: RFC 3339 with Z or an offset, or a date (midnight UTC)."
_TO = "Periods starting before (exclusive), in the same form."


class BudgetPeriodsController(Controller):
    path = "/budgets"
    opt = reads("budgets", "budget_limits")
    tags = ["Budgets"]

    @get(
        "/{budget_id:str}/periods",
        operation_id="ListBudgetPeriods",
        guards=[requires_any("manage_budgets", "read_costs")],
    )
    async def list_periods(
        self,
        request: Request[Any, Any, Any],
        budget_id: str,
        kyros: Kyros,
        start: str | None = Parameter(
            default=None, query="from", min_length=1, max_length=40, description=_FROM
        ),
        end: str | None = Parameter(
            default=None, query="to", min_length=1, max_length=40, description=_TO
        ),
        limit: int = Parameter(default=50, ge=1, le=200),
        offset: int = Parameter(default=0, ge=0, le=10_000_000),
    ) -> Response[bytes]:
        """Newest first: the periods in which work was reserved or settled (starting in
        [from, to) when given), each against the limit in force at its end (now for the
        current one)."""
        first = None if start is None else parse_instant("from", start)
        after = None if end is None else parse_instant("to", end)
        found = await in_thread(
            list_budget_periods, kyros.db, budget_id, now(), (limit, offset), (first, after)
        )
        if found is None:
            raise BudgetNotFound(budget_id)
        items, total = found
        pagination = {
            "total": total,
            "limit": limit,
            "offset": offset,
            "has_more": offset + len(items) < total,
        }
        return ok(request, {"periods": items, "pagination": pagination})
