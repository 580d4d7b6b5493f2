"""A worker that fails because the store is down logs one warning line, not a traceback."""

from __future__ import annotations

import logging

import anyio
import pytest

from kyros.connections.unavailable import StoreUnavailable
from kyros.supervision import WorkerState, supervise


def _run_until_restarted(work_error: Exception, caplog: pytest.LogCaptureFixture) -> WorkerState:
    state = WorkerState(name="w")

    async def work() -> None:
        raise work_error

    async def main() -> None:
        with anyio.move_on_after(0.2):
            await supervise(state, work, first_delay=0.05)

    with caplog.at_level(logging.WARNING, logger="kyros.supervision"):
        anyio.run(main)
    return state


def test_a_worker_failing_on_an_unavailable_store_logs_a_warning_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = ExceptionGroup("task group", [StoreUnavailable("no database connection")])
    state = _run_until_restarted(outage, caplog)
    assert state.restarts >= 1
    records = [r for r in caplog.records if r.name == "kyros.supervision"]
    assert records and all(r.levelno == logging.WARNING and not r.exc_info for r in records)
    assert "store unavailable" in records[0].getMessage()


def test_a_worker_failing_on_a_bug_still_logs_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    state = _run_until_restarted(KeyError("bug"), caplog)
    assert state.restarts >= 1
    records = [r for r in caplog.records if r.name == "kyros.supervision"]
    assert records and all(r.levelno == logging.ERROR and r.exc_info for r in records)
