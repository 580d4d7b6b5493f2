"""The health report calls a process unhealthy when its database does not answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyros.bootstrap import Kyros
from kyros.observability.database_probe import DatabaseProbe
from kyros.observability.health_report import ApiClock, health_report
from kyros.readstore.database import Database, PostgresDatabase, SqliteDatabase

pytestmark = pytest.mark.both_stores  # the health report branches on the store


def unreachable(kyros: Kyros, tmp_path: Path) -> Database:
    """A real database handle that fails every query: a closed pool, or a directory."""
    if kyros.settings.database_url:
        closed = PostgresDatabase(kyros.settings.database_url, 1)
        closed.close()
        return closed
    return SqliteDatabase(str(tmp_path))


def test_a_database_that_does_not_answer_makes_the_report_unhealthy(
    kyros: Kyros, tmp_path: Path
) -> None:
    report = health_report(kyros, DatabaseProbe(unreachable(kyros, tmp_path)), ApiClock())
    assert report["overall_status"] == "unhealthy"
    assert report["database"]["status"] == "unhealthy"
    assert report["database"]["error"]
    assert "the database does not answer" in report["issues"]
    assert {figures["lag"] for figures in report["projections"].values()} == {None}
    assert report["services"]["agent_runner"]["status"] == "unknown"


def test_the_same_process_with_its_database_answering_is_not_unhealthy(kyros: Kyros) -> None:
    report = health_report(kyros, DatabaseProbe(kyros.db), ApiClock())
    assert report["database"]["status"] == "healthy"
    # No worker was started here, so the report is degraded, never unhealthy.
    assert report["overall_status"] == "degraded"
    assert "scheduler is not_started" in report["issues"]
