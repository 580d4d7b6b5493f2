"""Agent role configuration queries: the read model, or the role's defaults before any change."""

from __future__ import annotations

import msgspec

from kyros.domain.agent_roles import AgentRoleConfig, default_role_config
from kyros.readstore.database import Database


def get_role_config(db: Database, role: str) -> AgentRoleConfig:
    """RoleNotFound (404) for a role outside the four."""
    defaults = default_role_config(role)
    with db.transaction(write=False) as tx:
        row = tx.execute("SELECT doc FROM rm_agent_roles WHERE role = ?", (role,)).fetchone()
    if row is None:
        return defaults
    return msgspec.json.decode(row["doc"], type=AgentRoleConfig)
