"""Agent role configuration commands: a role's aggregate comes into being on its first change."""

from __future__ import annotations

from typing import Any

import msgspec
from eventsourcing.application import AggregateNotFoundError

from kyros.domain.agent_role import AgentRole, agent_role_id, initial_agent_role
from kyros.domain.agent_roles import AgentRoleConfig, default_role_config
from kyros.domain.model_catalog import Catalog
from kyros.eventstore.application import KyrosApplication


class ChangeAgentRole(msgspec.Struct, frozen=True, kw_only=True):
    role: str
    actor: str
    patch: dict[str, Any]


def load_role(app: KyrosApplication, role: str, actor: str) -> AgentRole:
    """The role's aggregate, or a new one holding its defaults (RoleNotFound for others)."""
    default_role_config(role)
    try:
        return app.repository.get(agent_role_id(role))  # type: ignore[no-any-return]
    except AggregateNotFoundError:
        return initial_agent_role(role, actor)


def role_config(app: KyrosApplication, role: str) -> AgentRoleConfig:
    """The role's configuration as the log has it (no read-model lag): commands decide on it."""
    return load_role(app, role, actor="system").current


def change_agent_role(app: KyrosApplication, catalog: Catalog, cmd: ChangeAgentRole) -> int:
    """The first change also records the defaults it started from, in the same save."""
    role = load_role(app, cmd.role, cmd.actor)
    role.change(cmd.patch, catalog=catalog, actor=cmd.actor)
    return app.save_all(role)
