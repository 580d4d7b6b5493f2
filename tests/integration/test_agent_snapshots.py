"""An agent's heartbeats grow its history without bound; snapshots keep a load short and
give back exactly the state a full replay gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from kyros.bootstrap import Kyros
from kyros.commands.agents import Heartbeat, RegisterAgent, heartbeat, register_agent
from kyros.commands.loading import AGENTS
from kyros.ids import public_id

pytestmark = pytest.mark.both_stores  # snapshots in each event store

START = datetime(2026, 1, 1, tzinfo=UTC)


def test_an_agent_past_its_snapshot_interval_loads_as_a_full_replay_does(kyros: Kyros) -> None:
    uuid = uuid4()
    register_agent(
        kyros.app,
        RegisterAgent(agent_id=uuid, role="critic", capacity=2, name="w", at=START, actor="k"),
    )
    agent_id = public_id("agent", uuid)
    for n in range(1, 230):  # the interval is 200 events
        heartbeat(
            kyros.app, Heartbeat(agent_id=agent_id, at=START + timedelta(seconds=n), actor="k")
        )

    assert kyros.app.snapshots is not None
    assert list(kyros.app.snapshots.get(uuid))
    loaded = AGENTS.load(kyros.app, agent_id)
    events = list(kyros.app.events.get(uuid))
    full = None
    for event in events:
        full = event.mutate(full)
    assert loaded.version == len(events) == 230
    assert vars(loaded) == vars(full)
