"""The cost ledger's page and export files (GetCostLedger, ExportCostLedger) in OpenAPI.

Money is a JSON number carrying the recorded Decimal's digits exactly (`float` only names the
JSON type); parse it as a decimal, not a binary float, to keep it exact.
"""

from __future__ import annotations

from typing import Any, Literal

from msgspec import Struct

from kyros.http.openapi_common_data import Pagination


class LedgerEntry(Struct):
    """One model call attempt. `user` is the submitter (whom budgets charge); prices are per
    1,000 tokens as recorded with the usage (null for older completions and for failures,
    which report no usage, like the tokens and the cost)."""

    position: int
    time: str
    task_id: str
    submission_id: str
    role: str
    model: str
    user: str
    created_by: str
    task_type: str
    escalation_id: str | None
    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None
    input_price_per_1k: float | None
    output_price_per_1k: float | None
    cached_input_price_per_1k: float | None
    currency: str | None
    cost: float | None
    outcome: Literal["completed", "failed"]


class LedgerTotals(Struct):
    """Over every attempt the filters match, not just this page; `cost` is exact."""

    attempts: int
    priced_attempts: int
    cost: float
    input_tokens: int
    output_tokens: int
    cached_tokens: int


class LedgerPage(Struct):
    entries: list[LedgerEntry]
    totals: LedgerTotals
    pagination: Pagination


_BINARY = {"type": "string", "format": "binary"}
_COLUMNS = (
    "position, time, task_id, submission_id, role, model, user, created_by, task_type, "
    "escalation_id, input_tokens, output_tokens, cached_tokens, input_price_per_1k, "
    "output_price_per_1k, cached_input_price_per_1k, currency, cost, outcome"
)
EXPORT_CONTENT: dict[str, Any] = {  # the 200 answer of ExportCostLedger, by media type
    "text/csv": {
        "schema": {
            "type": "string",
            "description": f"A header line, then one line per attempt: {_COLUMNS}. Money in "
            "positional notation, exact; null is an empty field.",
        }
    },
    "application/x-ndjson": {
        "schema": {
            "type": "string",
            "description": "One JSON object per line, shaped as GetCostLedger's entries.",
        }
    },
    "application/vnd.apache.parquet": {
        "schema": {
            **_BINARY,
            "description": f"Columns {_COLUMNS}; cost is decimal128(38, 9), prices "
            "decimal128(38, 18), time a UTC timestamp (microseconds).",
        }
    },
}
