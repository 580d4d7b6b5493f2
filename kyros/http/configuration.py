"""The Configuration API: /v1/configuration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, put

from kyros.bootstrap import Kyros
from kyros.commands.configuration import ChangeConfiguration
from kyros.domain.errors import DomainError
from kyros.http.auth import requires
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.queries.configuration import get_configuration

_decoder = msgspec.json.Decoder(float_hook=Decimal)


class ConfigurationController(Controller):
    path = "/configuration"
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
        command = ChangeConfiguration(actor=actor, patch=_decode(await request.body()))
        await kyros.execute(command)
        return ok(request, await in_thread(get_configuration, kyros.db))


def _decode(body: bytes) -> dict[str, Any]:
    """Decimals, not floats: thresholds and money must keep the digits the client sent."""
    try:
        patch = _decoder.decode(body)
    except msgspec.DecodeError:
        raise DomainError("Malformed JSON", field="body") from None
    except RecursionError:
        raise DomainError("Nested too deeply", field="body") from None
    if not isinstance(patch, dict):
        raise DomainError("Must be a JSON object", field="body")
    return patch
