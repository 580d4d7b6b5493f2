"""The agents read model: registered agents, when each was last seen and how much it holds."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.rowset import RowSet
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
        """Folds the page into the agents it touches (one SELECT), writes them once."""
        handled = []
        ids: dict[Any, str] = {}
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is not None:
                agent_id = ids.get(event.originator_id)
                if agent_id is None:
                    agent_id = ids[event.originator_id] = public_id("agent", event.originator_id)
                handled.append((handler, event, agent_id))
        if not handled:
            return
        rows = RowSet("rm_agents", "agent_id", _COLUMNS)
        rows.load(tx, ids.values())
        for handler, event, agent_id in handled:
            handler(rows, event, agent_id)
        rows.flush(tx)


_COLUMNS = ("agent_id", "role", "name", "capacity", "owner", "registered_at", "last_seen", "held")


def _registered(rows: RowSet, e: Any, agent_id: str) -> None:
    if rows.get(agent_id) is None:
        rows.put(
            {
                "agent_id": agent_id,
                "role": e.role,
                "name": e.name,
                "capacity": e.capacity,
                "owner": e.actor,
                "registered_at": sortable(e.at),
                "last_seen": sortable(e.at),
                "held": 0,
            }
        )


def _seen(rows: RowSet, e: Any, agent_id: str) -> None:
    row = rows.get(agent_id)
    if row is not None:
        row["last_seen"] = sortable(e.at)


def _claimed(rows: RowSet, e: Any, agent_id: str) -> None:
    row = rows.get(agent_id)
    if row is not None:
        row.update(last_seen=sortable(e.at), held=row["held"] + 1)


def _released(rows: RowSet, e: Any, agent_id: str) -> None:
    row = rows.get(agent_id)
    if row is not None and row["held"] > 0:
        row["held"] -= 1


_HANDLERS = {
    "Agent.Registered": _registered,
    "Agent.HeartbeatReceived": _seen,
    "Agent.WorkClaimed": _claimed,
    "Agent.WorkReleased": _released,
}
