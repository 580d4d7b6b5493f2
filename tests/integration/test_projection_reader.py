"""One reader feeds every read model: each event is decoded once for all of them, every
position moves past events a read model does not consume, and writes can wait for some read
models only."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import make_task

pytestmark = pytest.mark.both_stores  # the projection engine, with a dialect branch


def test_catching_up_every_read_model_decodes_each_event_once(
    kyros: Kyros, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(7):
        make_task(kyros.app, title=f"t{n}")
    decode = kyros.app.mapper.to_domain_event
    decoded: list[int] = []

    def counting(notification: Any) -> Any:
        decoded.append(notification.id)
        return decode(notification)

    monkeypatch.setattr(kyros.app.mapper, "to_domain_event", counting)
    names = sorted(kyros.engine.projections)
    for name in names:
        kyros.engine.reset(name)
    results = kyros.engine.catch_up_all(names, 3)
    head = kyros.app.head()
    assert {n: s.position for n, s in results.items()} == dict.fromkeys(names, head)
    assert sorted(decoded) == sorted(set(decoded))  # none twice
    assert kyros.engine.positions() == dict.fromkeys(names, head)  # api_keys saw no event


def test_writes_can_wait_for_the_read_models_they_need_only(kyros: Kyros) -> None:
    async def scenario() -> tuple[bool, bool]:
        async with anyio.create_task_group() as tg:
            kyros.start_background(tg)
            kyros.projections.stop("agents")
            await anyio.sleep(0.2)
            make_task(kyros.app, title="waited for")
            position = kyros.app.head()
            some = await kyros.projections.wait_for(position, 10, names=["tasks", "queue"])
            every = await kyros.projections.wait_for(position, 0.5)
            tg.cancel_scope.cancel()
        return some, every

    some, every = anyio.run(scenario)
    assert some  # tasks and queue got there
    assert not every  # agents was stopped before the task was made
