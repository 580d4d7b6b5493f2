"""The cost ledger for analysts: /v1/costs/ledger (paged) and /v1/costs/export (a whole file)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import IO, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.params import Parameter, QueryParameter
from litestar.response import Stream

from kyros.bootstrap import Kyros
from kyros.domain.vocabulary import ROLES, TASK_TYPES
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.query_params import choices
from kyros.queries.cost_export import MEDIA_TYPES, filename, text_chunks, write_export
from kyros.queries.cost_ledger import OUTCOMES, LedgerFilter, list_ledger
from kyros.queries.time_range import time_range

SPOOL_BYTES = 8 * 1024 * 1024  # a Parquet file larger than this is spooled to disk
READ_BYTES = 1024 * 1024
_FROM = "Inclusive: an RFC 3339 date-time, or a date (its UTC midnight)."
_TO = "Exclusive: an RFC 3339 date-time, or a date (its UTC midnight); after `from`."


class CostController(Controller):
    path = "/costs"
    opt = reads("cost_ledger")
    tags = ["Costs"]
    guards = [requires("read_costs")]

    @get("/ledger", operation_id="GetCostLedger")
    async def get_ledger(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        start: str | None = QueryParameter(
            name="from", default=None, max_length=40, description=_FROM
        ),
        end: str | None = QueryParameter(name="to", default=None, max_length=40, description=_TO),
        model: str | None = Parameter(default=None, max_length=1_000),
        role: str | None = Parameter(default=None, max_length=200),
        task_id: str | None = Parameter(default=None, max_length=1_000),
        user: str | None = Parameter(default=None, max_length=1_000),
        task_type: str | None = Parameter(default=None, max_length=200),
        outcome: str | None = Parameter(default=None, max_length=200),
        limit: int = Parameter(default=50, ge=1, le=200),
        offset: int = Parameter(default=0, ge=0, le=10_000_000),
    ) -> Response[bytes]:
        """One row per model call attempt, in log order, with the totals of every attempt the
        filters match. `from` is inclusive and `to` exclusive (RFC 3339 date-times or dates,
        UTC); the other filters are comma-separated. Money is exact: `cost` and the unit prices
        per 1,000 tokens are the recorded Decimals, never rounded to cents."""
        names = (model, role, task_id, user, task_type, outcome)
        query = ledger_filter(start, end, *names, limit=limit, offset=offset)
        return ok(request, await in_thread(list_ledger, kyros.db, query))

    @get("/export", operation_id="ExportCostLedger")
    async def export(
        self,
        kyros: Kyros,
        format: Literal["csv", "ndjson", "parquet"] = "csv",
        start: str | None = QueryParameter(
            name="from", default=None, max_length=40, description=_FROM
        ),
        end: str | None = QueryParameter(name="to", default=None, max_length=40, description=_TO),
        model: str | None = Parameter(default=None, max_length=1_000),
        role: str | None = Parameter(default=None, max_length=200),
        task_id: str | None = Parameter(default=None, max_length=1_000),
        user: str | None = Parameter(default=None, max_length=1_000),
        task_type: str | None = Parameter(default=None, max_length=200),
        outcome: str | None = Parameter(default=None, max_length=200),
    ) -> Stream:
        """Every attempt the filters match (the ledger's filters), as a file: CSV, NDJSON or
        Parquet (decimal128 money: cost at scale 9, prices at scale 18). CSV and NDJSON are
        streamed as the ledger is read; Parquet is written row group by row group to a
        spooled file, then streamed. Memory stays bounded by a chunk of rows either way."""
        query = ledger_filter(start, end, model, role, task_id, user, task_type, outcome)
        disposition = f'attachment; filename="{filename(format)}"'
        headers = {"Content-Disposition": disposition}
        if format == "parquet":
            spooled = await in_thread(_spool_parquet, kyros, query)
            body: AsyncIterator[bytes] = _drain(spooled)
        else:
            body = _stream(text_chunks(kyros.db, query, format))
        return Stream(body, media_type=MEDIA_TYPES[format], headers=headers)


def ledger_filter(
    start: str | None,
    end: str | None,
    model: str | None,
    role: str | None,
    task_id: str | None,
    user: str | None,
    task_type: str | None,
    outcome: str | None,
    *,
    limit: int = 50,
    offset: int = 0,
) -> LedgerFilter:
    since, before = time_range(start, end)
    return LedgerFilter(
        start=since,
        before=before,
        model=choices("model", model, None),
        role=choices("role", role, ROLES, sort_names=False),
        task_id=choices("task_id", task_id, None),
        user=choices("user", user, None),
        task_type=choices("task_type", task_type, TASK_TYPES, sort_names=False),
        outcome=choices("outcome", outcome, OUTCOMES, sort_names=False),
        limit=limit,
        offset=offset,
    )


async def _stream(pieces: Iterator[tuple[bytes, int]]) -> AsyncIterator[bytes]:
    """Each chunk is read and encoded off the event loop (one short transaction each)."""
    while (piece := await in_thread(next, pieces, None)) is not None:
        yield piece[0]


def _spool_parquet(kyros: Kyros, query: LedgerFilter) -> IO[bytes]:
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (drained later)
    try:
        write_export(kyros.db, query, "parquet", spooled)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled


async def _drain(spooled: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while data := await in_thread(spooled.read, READ_BYTES):
            yield data
    finally:
        spooled.close()
