"""The agent roles read model: each changed role's configuration as one JSON document."""

from __future__ import annotations

from typing import Any

from kyros.domain.agent_role import agent_role_id
from kyros.domain.vocabulary import ROLES
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps, loads
from kyros.readstore.database import Cursor

DDL = "CREATE TABLE IF NOT EXISTS rm_agent_roles (role TEXT PRIMARY KEY, doc TEXT NOT NULL)"
_ROLE_OF = {agent_role_id(role): role for role in ROLES}


class AgentRolesProjection:
    """A role without a row has never changed: its defaults apply (see the query)."""

    name = "agent_roles"
    consumes = frozenset({"AgentRole.Initialised", "AgentRole.Changed"})

    def create(self, tx: Cursor) -> None:
        tx.execute(DDL)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_agent_roles")

    def apply(self, tx: Cursor, page: Page) -> None:
        """Follows the page's changes in memory; each changed role is written once per page."""
        docs: dict[str, dict[str, Any]] = {}
        for _, event in page:
            kind = type(event).__qualname__
            role = _ROLE_OF.get(event.originator_id)
            if role is None:
                continue
            if kind == "AgentRole.Initialised":
                docs[role] = dict(event.config)
            elif kind == "AgentRole.Changed":
                # through the stored form, as when each event was written on its own
                doc = loads(dumps(docs[role])) if role in docs else _current(tx, role)
                doc.update({key: change["new"] for key, change in event.changes.items()})
                docs[role] = doc
        if docs:
            tx.executemany("DELETE FROM rm_agent_roles WHERE role = ?", [(r,) for r in docs])
            tx.executemany(
                "INSERT INTO rm_agent_roles (role, doc) VALUES (?, ?)",
                [(role, dumps(doc)) for role, doc in docs.items()],
            )


def _current(tx: Cursor, role: str) -> dict[str, Any]:
    row = tx.execute("SELECT doc FROM rm_agent_roles WHERE role = ?", (role,)).fetchone()
    return loads(row["doc"]) if row else {}
