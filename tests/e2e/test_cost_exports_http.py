"""Cost ledger exports (HTTP and CLI) read back with their own readers give the API's totals."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import Credential, make_api_key
from tests.e2e.analytics_history import EventClock, event_clock, iso_hour
from tests.e2e.test_cli import kyros_env
from tests.e2e.test_cost_ledger_http import ledger, seed

pytestmark = pytest.mark.both_stores

__all__ = ["event_clock"]  # a fixture, imported for these tests

MEDIA = {
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


def read_back(fmt: str, body: bytes) -> list[dict[str, Any]]:
    """Rows as each format's own reader gives them; money as Decimal (None when null)."""
    if fmt == "parquet":
        rows = pq.read_table(io.BytesIO(body)).to_pylist()
        return [{**r, "time": r["time"].strftime("%Y-%m-%dT%H:%M:%S")} for r in rows]
    if fmt == "ndjson":
        lines = body.decode().splitlines()
        return [json.loads(line, parse_float=Decimal, parse_int=Decimal) for line in lines]
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    return [{k: Decimal(v) if k == "cost" and v else v or None for k, v in r.items()} for r in rows]


def summed(rows: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(r["cost"]) for r in rows if r["cost"] is not None), Decimal(0))


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "parquet"])
def test_an_export_read_back_gives_the_ledgers_rows_and_exact_totals(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    admin: Credential,
    event_clock: EventClock,
    fmt: str,
) -> None:
    history = seed(kyros, base_url, client, admin, event_clock)
    for params in ({}, {"model": "glm-4.5", "from": iso_hour(history.t0, 0)}):
        response = client.get("/v1/costs/export", params={"format": fmt, **params})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(MEDIA[fmt])
        disposition = response.headers["content-disposition"]
        assert disposition == f'attachment; filename="kyros-cost-ledger.{fmt}"'
        rows = read_back(fmt, response.content)
        api = ledger(client, **params)
        assert summed(rows) == api["totals"]["cost"]
        assert len(rows) == api["totals"]["attempts"]
        assert [r["task_id"] for r in rows] == [e["task_id"] for e in api["entries"]]
        assert [r["outcome"] for r in rows] == [e["outcome"] for e in api["entries"]]
    assert Decimal("0.000286") in [r["cost"] for r in rows]  # sub-cent, exact


def test_parquet_money_columns_are_exact_decimals(
    kyros: Kyros, base_url: str, client: httpx.Client, admin: Credential, event_clock: EventClock
) -> None:
    seed(kyros, base_url, client, admin, event_clock)
    table = pq.read_table(io.BytesIO(client.get("/v1/costs/export?format=parquet").content))
    assert str(table.schema.field("cost").type) == "decimal128(38, 9)"
    assert str(table.schema.field("input_price_per_1k").type) == "decimal128(38, 18)"
    assert str(table.schema.field("time").type) == "timestamp[us, tz=UTC]"
    prices = table.column("cached_input_price_per_1k").to_pylist()
    assert Decimal("0.0001") in prices


def test_an_export_of_nothing_is_a_valid_empty_file_in_every_format(client: httpx.Client) -> None:
    for fmt in ("csv", "ndjson", "parquet"):
        response = client.get("/v1/costs/export", params={"format": fmt})
        assert response.status_code == 200, response.text
        assert read_back(fmt, response.content) == []
    assert pq.read_table(io.BytesIO(response.content)).num_columns == 19


def test_the_cli_exports_parquet_with_the_apis_totals(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    admin: Credential,
    event_clock: EventClock,
    tmp_path: Path,
) -> None:
    """`kyros costs export`, as an analyst runs it, in its own process."""
    history = seed(kyros, base_url, client, admin, event_clock)
    out = tmp_path / "november.parquet"
    window = {"from": iso_hour(history.t0, 0), "to": iso_hour(history.t0, 4)}
    extra = {"KYROS_DATABASE_URL": kyros.settings.database_url or ""}
    env = kyros_env(kyros.settings.data_dir, **{k: v for k, v in extra.items() if v})
    command = [sys.executable, "-m", "kyros", "costs", "export", "--format", "parquet"]
    command += ["--from", window["from"], "--to", window["to"], "--out", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = pq.read_table(out).to_pylist()
    api = ledger(client, **window)
    assert len(rows) == api["totals"]["attempts"] == 5
    assert summed(rows) == api["totals"]["cost"]
    assert "wrote 5 attempts" in done.stderr


def test_the_cli_refuses_a_bad_range_naming_the_option(kyros: Kyros, tmp_path: Path) -> None:
    extra = {"KYROS_DATABASE_URL": kyros.settings.database_url or ""}
    env = kyros_env(kyros.settings.data_dir, **{k: v for k, v in extra.items() if v})
    out = tmp_path / "x.csv"
    command = [sys.executable, "-m", "kyros", "costs", "export", "--format", "csv"]
    command += ["--from", "2026-11-02", "--to", "2026-11-01", "--out", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "--to" in done.stderr
    assert not out.exists()


def test_the_cli_exports_from_a_server_with_a_read_costs_key(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    admin: Credential,
    event_clock: EventClock,
    tmp_path: Path,
) -> None:
    """What an analyst without access to the database runs: `--url` and an auditor's key."""
    seed(kyros, base_url, client, admin, event_clock)
    auditor, viewer = make_api_key(kyros, "auditor"), make_api_key(kyros, "viewer")
    out = tmp_path / "glm.csv"
    command = [sys.executable, "-m", "kyros", "costs", "export", "--format", "csv"]
    command += ["--model", "glm-4.5", "--out", str(out), "--url", base_url]
    env = {**kyros_env(tmp_path / "no-store"), "KYROS_API_KEY": auditor.key}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = read_back("csv", out.read_bytes())
    api = ledger(client, model="glm-4.5")
    assert len(rows) == api["totals"]["attempts"] == 6
    assert summed(rows) == api["totals"]["cost"]
    refused = subprocess.run(
        command,
        env={**env, "KYROS_API_KEY": viewer.key},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1
    assert "403 FORBIDDEN" in refused.stderr
    assert out.read_bytes()  # the earlier export is still there, untouched
