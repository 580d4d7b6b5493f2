"""The cost ledger as a file: CSV, NDJSON or Parquet, written chunk by chunk in bounded memory.

Parquet goes through pyarrow, the Apache Arrow project's reference implementation: it writes
row groups one at a time (so memory is bounded by a chunk, not the ledger), has exact
`decimal128` columns that every reader (pandas, polars, DuckDB, Spark) maps to decimals, and
needs no other package (polars and DuckDB are larger engines than a writer needs; fastparquet
needs pandas and numpy).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any

import msgspec

from kyros.queries.cost_ledger import LedgerFilter, ledger_chunks, ledger_view, money
from kyros.readstore.database import Database, Row

FORMATS = ("csv", "ndjson", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
COLUMNS = (
    "position",
    "time",
    "task_id",
    "submission_id",
    "role",
    "model",
    "user",
    "created_by",
    "task_type",
    "escalation_id",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "input_price_per_1k",
    "output_price_per_1k",
    "cached_input_price_per_1k",
    "currency",
    "cost",
    "outcome",
)
COST_SCALE = 9  # the ledger's own scale: every recorded cost fits exactly
PRICE_SCALE = 18  # unit prices per 1,000 tokens, as written in the catalogue
Progress = Callable[[int], None]
_json = msgspec.json.Encoder(decimal_format="number")


def filename(fmt: str) -> str:
    return f"kyros-cost-ledger.{fmt}"


def text_chunks(db: Database, f: LedgerFilter, fmt: str) -> Iterator[tuple[bytes, int]]:
    """CSV (with a header) or NDJSON: one encoded piece per chunk of the ledger, and its rows."""
    if fmt == "csv":
        yield _csv([COLUMNS]), 0
    for rows in ledger_chunks(db, f):
        views = [ledger_view(r) for r in rows]
        if fmt == "csv":
            yield _csv([[_cell(v[c]) for c in COLUMNS] for v in views]), len(rows)
        else:
            yield b"".join(_json.encode(v) + b"\n" for v in views), len(rows)


def write_export(
    db: Database, f: LedgerFilter, fmt: str, out: IO[bytes], progress: Progress | None = None
) -> int:
    """Writes the whole export to `out`; `progress` hears the rows written so far."""
    if fmt == "parquet":
        return _write_parquet(db, f, out, progress)
    written = 0
    for piece, rows in text_chunks(db, f, fmt):
        out.write(piece)
        written += rows
        if progress is not None:
            progress(written)
    return written


def _csv(rows: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def _cell(value: Any) -> Any:
    """Decimals in positional notation (never 2.86E-4); null as an empty field."""
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else value


def _write_parquet(db: Database, f: LedgerFilter, out: IO[bytes], progress: Progress | None) -> int:
    import pyarrow as pa  # imported on first export: the server starts without loading it
    import pyarrow.parquet as pq

    schema = _schema(pa)
    written = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for rows in ledger_chunks(db, f):
            writer.write_table(_table(pa, schema, rows))
            written += len(rows)
            if progress is not None:
                progress(written)
        if written == 0:
            writer.write_table(schema.empty_table())
    return written


def _schema(pa: Any) -> Any:
    text, count = pa.string(), pa.int64()
    price, cost = pa.decimal128(38, PRICE_SCALE), pa.decimal128(38, COST_SCALE)
    types = {
        "position": count,
        "time": pa.timestamp("us", tz="UTC"),
        "input_tokens": count,
        "output_tokens": count,
        "cached_tokens": count,
        "input_price_per_1k": price,
        "output_price_per_1k": price,
        "cached_input_price_per_1k": price,
        "cost": cost,
    }
    return pa.schema([(name, types.get(name, text)) for name in COLUMNS])


_SOURCE = {  # export column → ledger table column, where they differ
    "time": "at",
    "user": "submitted_by",
    "input_price_per_1k": "input_per_1k",
    "output_price_per_1k": "output_per_1k",
    "cached_input_price_per_1k": "cached_input_per_1k",
}


def _table(pa: Any, schema: Any, rows: list[Row]) -> Any:
    """Columns straight from the table's rows (no per-row view): Arrow parses the times,
    money becomes Decimal."""
    arrays = []
    for field in schema:
        source = _SOURCE.get(field.name, field.name)
        if field.name == "cost":
            arrays.append(pa.array([money(r["cost_nanos"]) for r in rows], field.type))
        elif field.name.endswith("_per_1k"):
            prices = [None if r[source] is None else Decimal(r[source]) for r in rows]
            arrays.append(pa.array(prices, field.type))
        elif field.name == "time":
            arrays.append(pa.array([r[source] for r in rows], pa.string()).cast(field.type))
        else:
            arrays.append(pa.array([r[source] for r in rows], field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
