"""The Analysis API: /v1/analysis/what-if, recorded work replayed under other scenarios."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post

from kyros.bootstrap import Kyros
from kyros.domain.what_if_period import period
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.schemas.analysis import WhatIfRequest
from kyros.queries.what_if import READ_MODELS, what_if
from kyros.timefmt import now


class AnalysisController(Controller):
    path = "/analysis"
    opt = reads(*READ_MODELS)
    tags = ["Analysis"]

    @post("/what-if", operation_id="RunWhatIf", status_code=200, guards=[requires("read_costs")])
    async def run_what_if(
        self, request: Request[Any, Any, Any], data: WhatIfRequest, kyros: Kyros
    ) -> Response[bytes]:
        """Replays the attempts that finished in [from, to) under each scenario, read-only:
        actual and scenario totals by model, role, task type and day, the routes that
        change, the escalations raised or avoided, and the savings."""
        window = period(data.start, data.end, now())
        scenarios = tuple(data.scenarios)
        answer = await in_thread(what_if, kyros.db, kyros.catalog, window, scenarios)
        return ok(request, answer)
