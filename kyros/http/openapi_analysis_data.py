"""The Analysis API's answer (what-if replay) for the OpenAPI document."""

from __future__ import annotations

from msgspec import Struct


class Share(Struct):
    cost: float
    attempts: int


class Period(Struct, rename={"start": "from", "end": "to"}):
    """`to` is exclusive."""

    start: str
    end: str


class Totals(Struct, kw_only=True):
    """Exact USD (up to 6 decimals) of the attempts that finished in the period."""

    total_cost: float
    attempts: int
    by_model: dict[str, Share]
    by_role: dict[str, Share]
    by_task_type: dict[str, Share]
    by_day: dict[str, Share]


class ActualTotals(Totals, kw_only=True):
    escalations: int


class RouteChange(Struct):
    task_id: str
    attempt: int
    role: str
    task_type: str
    from_model: str
    to_model: str
    actual_cost: float
    scenario_cost: float


class ScenarioEscalations(Struct):
    """`raised`/`avoided` count tasks against the actual; the lists hold at most 100."""

    total: int
    auto_approved: int
    needs_approval: int
    raised: int
    avoided: int
    raised_tasks: list[str]
    avoided_tasks: list[str]


class ScenarioTotals(Totals, kw_only=True):
    """`savings` is actual minus scenario (negative when dearer); `savings_percent` is null
    when the actual cost is 0; `changed_routes` lists at most 100 of `routes_changed`."""

    name: str
    savings: float
    savings_percent: float | None
    routes_changed: int
    changed_routes: list[RouteChange]
    escalations: ScenarioEscalations


class WhatIf(Struct):
    period: Period
    actual: ActualTotals
    scenarios: list[ScenarioTotals]
