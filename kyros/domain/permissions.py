"""Roles and the permissions each one grants, as a pure lookup table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    APPROVER = "approver"
    DEVELOPER = "developer"
    VIEWER = "viewer"
    AUDITOR = "auditor"
    AGENT = "agent"


class Permission(StrEnum):
    CREATE_TASK = "create_task"
    READ_TASKS = "read_tasks"
    UPDATE_TASK = "update_task"
    CANCEL_TASK = "cancel_task"
    SUBMIT_TASK = "submit_task"
    REVIEW_CODE = "review_code"
    READ_AGENTS = "read_agents"
    MANAGE_AGENTS = "manage_agents"
    READ_MODELS = "read_models"
    SELECT_MODEL = "select_model"
    REQUEST_ESCALATION = "request_escalation"
    APPROVE_ESCALATION = "approve_escalation"
    READ_ESCALATIONS = "read_escalations"
    READ_MONITORING = "read_monitoring"
    READ_COSTS = "read_costs"
    READ_CONFIGURATION = "read_configuration"
    MANAGE_CONFIGURATION = "manage_configuration"
    MANAGE_WEBHOOKS = "manage_webhooks"
    MANAGE_USERS = "manage_users"
    MANAGE_BUDGETS = "manage_budgets"
    MANAGE_ALERTS = "manage_alerts"
    READ_AUDIT = "read_audit"
    CLAIM_WORK = "claim_work"
    REPORT_WORK = "report_work"


_P = Permission

_READ_ONLY = frozenset(
    {_P.READ_TASKS, _P.READ_AGENTS, _P.READ_MODELS, _P.READ_ESCALATIONS, _P.READ_MONITORING}
)

_AGENT_ONLY = frozenset({_P.CLAIM_WORK, _P.REPORT_WORK})

ROLE_PERMISSIONS: Mapping[str, frozenset[Permission]] = {
    Role.VIEWER: _READ_ONLY,
    Role.DEVELOPER: _READ_ONLY
    | {
        _P.CREATE_TASK,
        _P.UPDATE_TASK,
        _P.CANCEL_TASK,
        _P.SUBMIT_TASK,
        _P.REVIEW_CODE,
        _P.SELECT_MODEL,
        _P.REQUEST_ESCALATION,
        _P.READ_COSTS,
    },
    Role.APPROVER: _READ_ONLY
    | {_P.APPROVE_ESCALATION, _P.REVIEW_CODE, _P.READ_COSTS, _P.MANAGE_ALERTS},
    Role.AUDITOR: _READ_ONLY | {_P.READ_COSTS, _P.READ_CONFIGURATION, _P.READ_AUDIT},
    Role.AGENT: frozenset(
        {
            _P.READ_TASKS,
            _P.READ_MODELS,
            _P.SELECT_MODEL,
            _P.REQUEST_ESCALATION,
            _P.CLAIM_WORK,
            _P.REPORT_WORK,
        }
    ),
    # Admins get everything except the agent-only work verbs, so that every claimed or
    # reported unit of work (and its cost) is attributable to an agent identity.
    Role.ADMIN: frozenset(Permission) - _AGENT_ONLY,
}


def permissions_for(roles: Iterable[str]) -> frozenset[str]:
    """Union of the roles' permissions; unknown role names grant nothing (fail closed).

    A bare string is rejected because iterating "admin" would silently look up "a", "d", ...
    """
    if isinstance(roles, str):
        raise TypeError("roles must be an iterable of role names, not a single string")
    empty: frozenset[Permission] = frozenset()
    # Role is a StrEnum, so plain strings hash and compare equal to the members.
    return frozenset().union(*(ROLE_PERMISSIONS.get(name, empty) for name in roles))
