"""Two processes on one PostgreSQL: the one that does not run the stuck read model learns of
it from the database, so its writes do not wait for it either."""

from __future__ import annotations

import time

import anyio
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.projections.worker import ProjectionWorker
from kyros.settings import Settings
from tests.builders.commands import make_task
from tests.e2e.test_poisoned_projection_http import PATIENT, _append_poison


@pytest.mark.parametrize("store", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_neither_process_waits_for_a_read_model_stuck_in_the_other(settings: Settings) -> None:
    settings = msgspec.structs.replace(settings, read_your_writes_seconds=PATIENT)
    with Kyros(settings) as first, Kyros(settings) as second:

        async def scenario() -> tuple[list[tuple[bool, float]], list[bool]]:
            async with anyio.create_task_group() as tg:
                first.start_background(tg)
                second.start_background(tg)
                await anyio.sleep(0.5)  # let the leases settle and the listeners subscribe
                poison = _append_poison(first)
                make_task(first.app, title="after the poison")
                head = first.app.head()
                assert head > poison
                waits = []
                for kyros in (first, second):
                    started = time.monotonic()
                    ok = await kyros.projections.wait_for(head, timeout=PATIENT)
                    waits.append((ok, time.monotonic() - started))
                leaders = [w.state.leader for w in _users_workers(first, second)]
                tg.cancel_scope.cancel()
            return waits, leaders

        waits, leaders = anyio.run(scenario)
    assert leaders.count(True) == 1  # one process runs the users read model, one does not
    assert all(ok and seconds < PATIENT / 2 for ok, seconds in waits), waits


def _users_workers(*processes: Kyros) -> list[ProjectionWorker]:
    return [w for k in processes for w in k.projections.workers if w.name == "users"]
