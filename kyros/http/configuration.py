"""The Configuration API: /v1/configuration."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, put

from kyros.bootstrap import Kyros
from kyros.commands.configuration import ChangeConfiguration
from kyros.http.as_of import AS_OF, AS_OF_POSITION, point_of, read_at
from kyros.http.auth import Principal, requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.json_patch import json_patch
from kyros.queries.configuration import get_configuration
from kyros.timetravel.reads import configuration_at


class ConfigurationController(Controller):
    path = "/configuration"
    opt = reads("configuration")
    tags = ["Configuration"]

    @get("/", operation_id="GetConfiguration", guards=[requires("read_configuration")])
    async def get_configuration(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        principal: Principal,
        as_of: str | None = AS_OF,
        as_of_position: int | None = AS_OF_POSITION,
    ) -> Response[bytes]:
        point = await point_of(kyros, principal, as_of, as_of_position)
        if point is None:
            return ok(request, await in_thread(get_configuration, kyros.db))
        return ok(request, await read_at(configuration_at, kyros, point))

    @put("/", operation_id="UpdateConfiguration", guards=[requires("manage_configuration")])
    async def update_configuration(
        self, request: Request[Any, Any, Any], kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """Partial update: only the settings present change; every one is validated first."""
        command = ChangeConfiguration(
            actor=actor, patch=json_patch(await request.body(), exact_numbers=True)
        )
        await kyros.execute(command)
        return ok(request, await in_thread(get_configuration, kyros.db))
