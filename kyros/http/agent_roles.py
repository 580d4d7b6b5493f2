"""The Agent Coordination API: submit, status and configuration per role, and
/v1/configuration/agents/{role} from the Configuration API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post, put

from kyros.bootstrap import Kyros
from kyros.commands.agent_roles import ChangeAgentRole
from kyros.commands.escalations import Opened
from kyros.commands.queue import SubmitTask
from kyros.domain.agent_roles import AgentRoleConfig, default_role_config
from kyros.domain.identity_errors import Forbidden
from kyros.http.as_of import AS_OF, AS_OF_POSITION, point_of, read_at
from kyros.http.auth import Principal, requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.idempotency import IDEMPOTENT
from kyros.http.json_patch import json_patch
from kyros.http.schemas.agents import SubmitRequest
from kyros.http.schemas.bounds import check_json
from kyros.ids import new_id
from kyros.queries.agent_roles import get_role_config
from kyros.queries.agents import live_agents, role_status
from kyros.timefmt import iso, now
from kyros.timetravel.point import Point
from kyros.timetravel.reads import role_config_at

_ANSWER = {"queued": "accepted", "awaiting_approval": "awaiting_approval", "waiting": "waiting"}


def _escalation(opened: Opened | None) -> dict[str, Any] | None:
    """Premium work opens an escalation: `approval_required` says whether it waits for one."""
    if opened is None:
        return None
    return {
        "escalation_id": opened.escalation_id,
        "status": opened.status,
        "approval_required": opened.approval_required,
        "rule": opened.explanation,
    }


class AgentRoleController(Controller):
    path = "/agents"
    opt = reads("agent_roles", "agents", "queue", "tasks")
    tags = ["Agents"]

    @post(
        "/{role:str}/submit",
        operation_id="SubmitTaskToAgent",
        status_code=202,
        guards=[requires("submit_task")],
        opt=IDEMPOTENT,
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        role: str,
        data: SubmitRequest,
        kyros: Kyros,
        actor: str,
        principal: Principal,
    ) -> Response[bytes]:
        """Routes the task to a model and queues it for the role (202: agents pick it up).
        `agent_id` stays null until an agent claims the submission."""
        default_role_config(role)
        command = await _submit_command(kyros, role, data, actor, principal)
        result = await kyros.execute(command)
        answer = {
            "submission_id": command.submission_id,
            "task_id": data.task_id,
            "role": role,
            "agent_id": None,
            "status": _ANSWER[result.status],
            "estimated_duration": result.estimated_duration,
            "estimated_cost": result.estimated_cost,
            "model_assigned": result.model,
            "submitted_at": iso(command.now),
            "escalation": _escalation(result.escalation),
        }
        return ok(request, answer, status=202)

    @get("/{role:str}/status", operation_id="GetAgentStatus", guards=[requires("read_agents")])
    async def status(
        self, request: Request[Any, Any, Any], role: str, kyros: Kyros
    ) -> Response[bytes]:
        default_role_config(role)
        lease = timedelta(seconds=kyros.settings.agent_lease_seconds)
        return ok(request, await in_thread(role_status, kyros.db, role, now(), lease))

    @get(
        "/{role:str}/configuration",
        operation_id="GetAgentConfiguration",
        guards=[requires("read_agents")],
    )
    async def get_configuration(
        self,
        request: Request[Any, Any, Any],
        role: str,
        kyros: Kyros,
        principal: Principal,
        as_of: str | None = AS_OF,
        as_of_position: int | None = AS_OF_POSITION,
    ) -> Response[bytes]:
        point = await point_of(kyros, principal, as_of, as_of_position)
        return ok(request, agent_view(await _role_config(kyros, role, point)))

    @put(
        "/{role:str}/configuration",
        operation_id="UpdateAgentConfiguration",
        guards=[requires("manage_agents")],
    )
    async def update_configuration(
        self, request: Request[Any, Any, Any], role: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """Partial: nested objects merge key by key; the whole update is validated first."""
        default_role_config(role)
        command = ChangeAgentRole(role=role, actor=actor, patch=json_patch(await request.body()))
        await kyros.execute(command)
        return ok(request, agent_view(await in_thread(get_role_config, kyros.db, role)))


class AgentRoleConfigurationController(Controller):
    path = "/configuration/agents"
    opt = reads("agent_roles")
    tags = ["Configuration"]

    @get(
        "/{role:str}",
        operation_id="GetAgentRoleConfiguration",
        guards=[requires("read_configuration")],
    )
    async def get_role(
        self,
        request: Request[Any, Any, Any],
        role: str,
        kyros: Kyros,
        principal: Principal,
        as_of: str | None = AS_OF,
        as_of_position: int | None = AS_OF_POSITION,
    ) -> Response[bytes]:
        point = await point_of(kyros, principal, as_of, as_of_position)
        config = await _role_config(kyros, role, point)
        view = {
            "role": config.role,
            "enabled": config.enabled,
            "default_model": config.default_model,
            "capabilities": list(config.capabilities),
            "constraints": msgspec.to_builtins(config.constraints),
            "preferences": msgspec.to_builtins(config.preferences),
        }
        return ok(request, view)


async def _role_config(kyros: Kyros, role: str, point: Point | None) -> AgentRoleConfig:
    """Before any change a role has its defaults, now as then: the past has no 404 here."""
    if point is None:
        return await in_thread(get_role_config, kyros.db, role)
    return await read_at(role_config_at, kyros, point, role)  # type: ignore[no-any-return]


def agent_view(config: AgentRoleConfig) -> dict[str, Any]:
    """The spec's "Get Agent Configuration" shape, plus `enabled`."""
    return {
        "role": config.role,
        "enabled": config.enabled,
        "default_model": config.default_model,
        "available_models": list(config.available_models),
        "capabilities": list(config.capabilities),
        "preferences": msgspec.to_builtins(config.preferences),
        "constraints": msgspec.to_builtins(config.constraints),
        "escalation_rules": msgspec.to_builtins(config.escalation_rules),
    }


async def _submit_command(
    kyros: Kyros, role: str, data: SubmitRequest, actor: str, principal: Principal
) -> SubmitTask:
    preferences = data.preferences
    if preferences.model is not None and "select_model" not in principal.permissions:
        raise Forbidden("Choosing a model requires the select_model permission", field="model")
    check_json(data.context, "context")
    moment = now()
    lease = timedelta(seconds=kyros.settings.agent_lease_seconds)
    live = await in_thread(live_agents, kyros.db, role, moment, lease) if data.immediate else 0
    sampling = {
        name: getattr(preferences, name)
        for name in ("temperature", "max_tokens", "timeout")
        if getattr(preferences, name) is not None
    }
    return SubmitTask(
        submission_id=new_id("sub"),
        task_id=data.task_id,
        role=role,
        actor=actor,
        now=moment,
        context=data.context,
        preferences=sampling,
        model=preferences.model,
        cost_sensitive=preferences.cost_sensitive,
        quality_critical=preferences.quality_critical,
        immediate=data.immediate,
        live_agents=live,
    )
