"""The AgentRole aggregate: one per role, created with the role's defaults on its first change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from kyros.domain.agent_roles import AgentRoleConfig, default_role_config, validate_role_update
from kyros.domain.model_catalog import Catalog


def agent_role_id(role: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"kyros:agent-role:{role}")


def as_document(config: AgentRoleConfig) -> dict[str, Any]:
    """Plain JSON types (lists, not tuples), as the config reads back from the log."""
    return msgspec.json.decode(msgspec.json.encode(config))  # type: ignore[no-any-return]


class AgentRole(Aggregate):
    """Its id derives from the role's name, so two first changes race on one aggregate."""

    @staticmethod
    def create_id(role: str) -> UUID:
        return agent_role_id(role)

    @event("Initialised")
    def __init__(self, *, role: str, config: dict[str, Any], actor: str) -> None:
        self.role = role
        self.config = dict(config)

    @property
    def current(self) -> AgentRoleConfig:
        return msgspec.convert(self.config, AgentRoleConfig)

    def change(self, patch: Mapping[str, Any], *, catalog: Catalog, actor: str) -> None:
        """Records the top-level keys that really change; nothing when nothing does."""
        updated = as_document(validate_role_update(self.current, patch, catalog))
        changes = {
            key: {"old": self.config.get(key), "new": value}
            for key, value in updated.items()
            if self.config.get(key) != value
        }
        if changes:
            self._changed(changes=changes, actor=actor)

    @event("Changed")
    def _changed(self, changes: dict[str, dict[str, Any]], actor: str) -> None:
        for key, change in changes.items():
            self.config[key] = change["new"]


def initial_agent_role(role: str, actor: str) -> AgentRole:
    """RoleNotFound (404) for anything but the four roles."""
    return AgentRole(role=role, config=as_document(default_role_config(role)), actor=actor)
