"""API key administration: /v1/api-keys (the manage_users permission)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import IssueApiKey, RevokeApiKey
from kyros.domain.identity_errors import ApiKeyNotFound
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.idempotency import WITHHELD_ANSWER
from kyros.http.schemas.identity import ApiKeyCreate
from kyros.queries.identity import get_api_key, list_api_keys


class ApiKeyController(Controller):
    path = "/api-keys"
    opt = reads("api_keys")
    tags = ["API keys"]
    guards = [requires("manage_users")]

    @post("/", operation_id="CreateApiKey", status_code=201, opt=WITHHELD_ANSWER)
    async def create_api_key(
        self, request: Request[Any, Any, Any], data: ApiKeyCreate, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """The response is the only place the key ever appears: only its digest is stored."""
        issued = await kyros.execute(IssueApiKey(name=data.name, role=data.role, actor=actor))
        view = await _read(kyros, issued.id)
        message = "Store this key now: it is not shown again"
        return ok(request, {**view, "key": issued.key.plaintext}, status=201, message=message)

    @get("/", operation_id="ListApiKeys")
    async def list_api_keys(self, request: Request[Any, Any, Any], kyros: Kyros) -> Response[bytes]:
        return ok(request, {"api_keys": await in_thread(list_api_keys, kyros.db)})

    @delete("/{key_id:str}", operation_id="RevokeApiKey", status_code=200)
    async def revoke_api_key(
        self, request: Request[Any, Any, Any], key_id: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        command = RevokeApiKey(key_id=key_id, actor=actor)
        await kyros.execute(command)
        return ok(request, await _read(kyros, key_id), message="API key revoked")


async def _read(kyros: Kyros, key_id: str) -> dict[str, Any]:
    key = await in_thread(get_api_key, kyros.db, key_id)
    if key is None:
        raise ApiKeyNotFound(key_id)
    return key
