"""The Analysis API's answer (what-if replay) for the OpenAPI document."""

from __future__ import annotations

from msgspec import Struct


class WhatIfShare(Struct):
    cost: float
    attempts: int


class WhatIfPeriod(Struct, rename={"start": "from", "end": "to"}):
    """`to` is exclusive."""

    start: str
    end: str


class WhatIfTotals(Struct, kw_only=True):
    """Exact USD (up to 6 decimals) of the attempts that finished in the period."""

    total_cost: float
    attempts: int
    by_model: dict[str, WhatIfShare]
    by_role: dict[str, WhatIfShare]
    by_task_type: dict[str, WhatIfShare]
    by_day: dict[str, WhatIfShare]


class WhatIfActual(WhatIfTotals, kw_only=True):
    escalations: int


class WhatIfRouteChange(Struct):
    task_id: str
    attempt: int
    role: str
    task_type: str
    from_model: str
    to_model: str
    actual_cost: float
    scenario_cost: float


class WhatIfEscalations(Struct):
    """`raised`/`avoided` count tasks against the actual; the lists hold at most 100."""

    total: int
    auto_approved: int
    needs_approval: int
    raised: int
    avoided: int
    raised_tasks: list[str]
    avoided_tasks: list[str]


class WhatIfScenario(WhatIfTotals, kw_only=True):
    """`savings` is actual minus scenario (negative when dearer); `savings_percent` is null
    when the actual cost is 0; `changed_routes` lists at most 100 of `routes_changed`."""

    name: str
    savings: float
    savings_percent: float | None
    routes_changed: int
    changed_routes: list[WhatIfRouteChange]
    escalations: WhatIfEscalations


class WhatIf(Struct):
    period: WhatIfPeriod
    actual: WhatIfActual
    scenarios: list[WhatIfScenario]
