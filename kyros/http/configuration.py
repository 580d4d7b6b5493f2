"""The Configuration API: /v1/configuration."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, put

from kyros.bootstrap import Kyros
from kyros.commands.configuration import ChangeConfiguration
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.json_patch import json_patch
from kyros.queries.configuration import get_configuration


class ConfigurationController(Controller):
    path = "/configuration"
    opt = reads("configuration")
    tags = ["Configuration"]

    @get("/", operation_id="GetConfiguration", guards=[requires("read_configuration")])
    async def get_configuration(
        self, request: Request[Any, Any, Any], kyros: Kyros
    ) -> Response[bytes]:
        return ok(request, await in_thread(get_configuration, kyros.db))

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
