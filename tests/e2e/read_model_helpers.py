"""Halting a read model for real, for tests of what reads and writes do while one lags."""

from __future__ import annotations

import time

from kyros.bootstrap import Kyros


def stop_read_model(kyros: Kyros, name: str) -> None:
    """Stops one read model's worker; it stays where it is until caught up by hand."""
    kyros.projections.stop(name)
    (worker,) = [w for w in kyros.projections.workers if w.name == name]
    deadline = time.monotonic() + 10
    while worker.state.status != "stopped":
        assert time.monotonic() < deadline, "the worker did not stop"
        time.sleep(0.02)
