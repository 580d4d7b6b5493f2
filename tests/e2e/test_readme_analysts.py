"""The README's analyst walk from an export to a DuckDB query, taken from README.md and run on
a month seeded with sub-cent calls: the query's total is the API's, to the last decimal."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.e2e.analytics_history import EventClock, event_clock
from tests.e2e.sub_cent_history import TOTAL, seed_sub_cent
from tests.e2e.test_cli import kyros_env

pytestmark = pytest.mark.both_stores
__all__ = ["event_clock"]  # a fixture, imported for these tests

README = Path(__file__).resolve().parents[2] / "README.md"
WRITTEN_MONTH = ("2026-11-01", "2026-12-01")  # the dates the README's command names


def example(name: str) -> str:
    found = re.search(
        rf"<!-- analyst-example: {name} -->\n```\w+\n(.*?)```", README.read_text(), re.S
    )
    assert found, f"README has no analyst-example {name!r}"
    return found.group(1)


def test_last_months_export_queried_with_duckdb_gives_the_apis_total(
    kyros: Kyros,
    settings: Settings,
    base_url: str,
    client: httpx.Client,
    event_clock: EventClock,
    tmp_path: Path,
) -> None:
    seeded = seed_sub_cent(kyros, base_url, client, event_clock)
    first = datetime.strptime(seeded.month, "%Y-%m").replace(tzinfo=UTC)
    following = (first + timedelta(days=32)).replace(day=1)
    command = example("export").strip()
    for written, actual in zip(WRITTEN_MONTH, (first, following), strict=True):
        assert written in command  # the README names a month: run it for the seeded one
        command = command.replace(written, f"{actual:%Y-%m-%d}")
    extra = {"KYROS_DATABASE_URL": settings.database_url} if settings.database_url else {}
    exported = subprocess.run(
        [sys.executable, "-m", *shlex.split(command)],
        cwd=tmp_path,
        env=kyros_env(settings.data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert exported.returncode == 0, exported.stderr
    queried = subprocess.run(
        [sys.executable, "-c", example("query")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert queried.returncode == 0, queried.stderr
    total, *models = queried.stdout.splitlines()
    ledger = client.get(
        "/v1/costs/ledger", params={"from": f"{first:%Y-%m-%d}", "to": f"{following:%Y-%m-%d}"}
    )
    api_total = ledger.json(parse_float=Decimal)["data"]["totals"]["cost"]
    assert Decimal(total) == api_total == TOTAL
    assert models == [f"glm-4.5 6 {total}"]  # six calls, all on the default model
