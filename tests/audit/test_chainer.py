"""The chaining worker signs a checkpoint every N events, even over a backlog, or after T."""

from __future__ import annotations

from datetime import timedelta

from kyros.audit import checkpoints
from kyros.audit.chainer import CheckpointPolicy
from kyros.bootstrap import Kyros
from kyros.timefmt import now
from tests.builders.commands import make_task


def positions(kyros: Kyros) -> list[int]:
    with kyros.db.transaction(write=False) as tx:
        return [c.position for c in checkpoints.every(tx)]


def test_a_backlog_is_checkpointed_every_n_events(kyros: Kyros) -> None:
    kyros.audit.policy = CheckpointPolicy(events=5, interval=timedelta(hours=1))
    for _ in range(12):
        make_task(kyros.app)

    assert kyros.audit.catch_up() == 12
    assert positions(kyros) == [5, 10]


def test_events_left_over_are_checkpointed_once_the_interval_has_passed(kyros: Kyros) -> None:
    kyros.audit.policy = CheckpointPolicy(events=5, interval=timedelta(minutes=5))
    for _ in range(7):
        make_task(kyros.app)
    kyros.audit.catch_up()

    kyros.audit.step(now() + timedelta(minutes=4))
    assert positions(kyros) == [5]
    kyros.audit.step(now() + timedelta(minutes=6))
    assert positions(kyros) == [5, 7]
    kyros.audit.step(now() + timedelta(minutes=20))
    assert positions(kyros) == [5, 7]  # nothing new was chained: nothing to sign
