"""Budgets: /v1/budgets, spending limits per UTC period with the current period's figures."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from msgspec import UNSET

from kyros.bootstrap import Kyros
from kyros.commands.budgets import ChangeBudget, DefineBudget, RemoveBudget
from kyros.domain.budget_errors import BudgetNotFound
from kyros.domain.errors import DomainError
from kyros.http.as_of import AS_OF, AS_OF_POSITION, current_or_past
from kyros.http.auth import Principal, requires, requires_any
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.idempotency import IDEMPOTENT
from kyros.http.schemas.budgets import BudgetCreate, BudgetUpdate
from kyros.ids import new_id
from kyros.queries.budgets import get_budget, list_budgets
from kyros.timefmt import now
from kyros.timetravel.reads import budget_at

Req = Request[Any, Any, Any]
_READERS = requires_any("manage_budgets", "read_costs")


class BudgetController(Controller):
    path = "/budgets"
    opt = reads("budgets")
    tags = ["Budgets"]

    @post(
        "/",
        operation_id="CreateBudget",
        status_code=201,
        guards=[requires("manage_budgets")],
        opt=IDEMPOTENT,
    )
    async def create_budget(
        self, request: Req, data: BudgetCreate, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        budget_id = new_id("budget")
        await kyros.execute(DefineBudget(budget_id=budget_id, fields=_given(data), actor=actor))
        return ok(request, await _read(kyros, budget_id), status=201)

    @get("/", operation_id="ListBudgets", guards=[_READERS])
    async def list_budgets(self, request: Req, kyros: Kyros) -> Response[bytes]:
        return ok(request, {"budgets": await in_thread(list_budgets, kyros.db, now())})

    @get("/{budget_id:str}", operation_id="GetBudget", guards=[_READERS])
    async def get_budget(
        self,
        request: Req,
        budget_id: str,
        kyros: Kyros,
        principal: Principal,
        as_of: str | None = AS_OF,
        as_of_position: int | None = AS_OF_POSITION,
    ) -> Response[bytes]:
        """As of a point, `current_period` is the period holding that instant (for a
        position, its last event's stamp), with that ledger's figures then."""
        view = await current_or_past(
            kyros,
            principal,
            as_of,
            as_of_position,
            lambda: _read(kyros, budget_id),
            budget_at,
            budget_id,
            missing=BudgetNotFound(budget_id),
        )
        return ok(request, view)

    @put("/{budget_id:str}", operation_id="UpdateBudget", guards=[requires("manage_budgets")])
    async def update_budget(
        self, request: Req, budget_id: str, data: BudgetUpdate, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """Partial; a new limit applies to the current period from the next dispatch on."""
        fields = _given(data)
        if not fields:
            raise DomainError("Must change at least one field", field="body")
        await kyros.execute(ChangeBudget(budget_id=budget_id, fields=fields, actor=actor))
        return ok(request, await _read(kyros, budget_id))

    @delete(
        "/{budget_id:str}",
        operation_id="DeleteBudget",
        status_code=200,
        guards=[requires("manage_budgets")],
    )
    async def delete_budget(
        self, request: Req, budget_id: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """Answers with the budget as it was; reservations it holds still settle."""
        view = await _read(kyros, budget_id)
        await kyros.execute(RemoveBudget(budget_id=budget_id, actor=actor))
        return ok(request, view, message="Budget deleted")


def _given(data: BudgetCreate | BudgetUpdate) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET}


async def _read(kyros: Kyros, budget_id: str) -> dict[str, Any]:
    view = await in_thread(get_budget, kyros.db, budget_id, now())
    if view is None:
        raise BudgetNotFound(budget_id)
    return view
