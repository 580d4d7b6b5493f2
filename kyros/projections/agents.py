"""The agents read model: registered agents, when each was last seen and how much it holds."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.readstore.database import Cursor
from kyros.timefmt import sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_agents (
        agent_id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        name TEXT NOT NULL,
        capacity INTEGER NOT NULL,
        owner TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        held INTEGER NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_agents_role ON rm_agents (role, last_seen)",
)


class AgentsProjection:
    """`last_seen` is the sortable time of the latest heartbeat or claim."""

    name = "agents"
    consumes = frozenset(
        {"Agent.Registered", "Agent.HeartbeatReceived", "Agent.WorkClaimed", "Agent.WorkReleased"}
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_agents")

    def apply(self, tx: Cursor, page: Page) -> None:
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is not None:
                handler(tx, event, public_id("agent", event.originator_id))


def _registered(tx: Cursor, e: Any, agent_id: str) -> None:
    tx.execute(
        "INSERT INTO rm_agents (agent_id, role, name, capacity, owner, registered_at, last_seen,"
        " held) VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (agent_id) DO NOTHING",
        (agent_id, e.role, e.name, e.capacity, e.actor, sortable(e.at), sortable(e.at)),
    )


def _seen(tx: Cursor, e: Any, agent_id: str) -> None:
    tx.execute("UPDATE rm_agents SET last_seen = ? WHERE agent_id = ?", (sortable(e.at), agent_id))


def _claimed(tx: Cursor, e: Any, agent_id: str) -> None:
    tx.execute(
        "UPDATE rm_agents SET last_seen = ?, held = held + 1 WHERE agent_id = ?",
        (sortable(e.at), agent_id),
    )


def _released(tx: Cursor, e: Any, agent_id: str) -> None:
    tx.execute("UPDATE rm_agents SET held = held - 1 WHERE agent_id = ? AND held > 0", (agent_id,))


_HANDLERS = {
    "Agent.Registered": _registered,
    "Agent.HeartbeatReceived": _seen,
    "Agent.WorkClaimed": _claimed,
    "Agent.WorkReleased": _released,
}
