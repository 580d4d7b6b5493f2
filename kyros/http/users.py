"""User administration: /v1/users (the manage_users permission)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import Parameter
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands import users as commands
from kyros.domain.identity_errors import UserNotFound
from kyros.http.as_of import AS_OF, AS_OF_POSITION, current_or_past
from kyros.http.auth import Principal, requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.schemas.identity import PasswordChange, RoleChange, UserCreate
from kyros.ids import public_id
from kyros.queries.identity import get_user, list_users
from kyros.timetravel.reads import user_at


class UserController(Controller):
    path = "/users"
    opt = reads("users")
    tags = ["Users"]
    guards = [requires("manage_users")]

    @post("/", operation_id="CreateUser", status_code=201)
    async def create_user(
        self, request: Request[Any, Any, Any], data: UserCreate, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        user_id = ULID().to_uuid()
        fields = msgspec.structs.asdict(data)
        command = commands.CreateUser(user_id=user_id, actor=actor, **fields)
        await kyros.execute(command)
        return ok(request, await _read(kyros, public_id("user", user_id)), status=201)

    @get("/", operation_id="ListUsers")
    async def list_users(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        limit: int = Parameter(default=50, ge=1, le=200),
        offset: int = Parameter(default=0, ge=0, le=10_000_000),
    ) -> Response[bytes]:
        users, total = await in_thread(list_users, kyros.db, limit, offset)
        more = offset + len(users) < total
        pagination = {"total": total, "limit": limit, "offset": offset, "has_more": more}
        return ok(request, {"users": users, "pagination": pagination})

    @get("/{user_id:str}", operation_id="GetUser")
    async def get_user(
        self,
        request: Request[Any, Any, Any],
        user_id: str,
        kyros: Kyros,
        principal: Principal,
        as_of: str | None = AS_OF,
        as_of_position: int | None = AS_OF_POSITION,
    ) -> Response[bytes]:
        view = await current_or_past(
            kyros,
            principal,
            as_of,
            as_of_position,
            lambda: _read(kyros, user_id),
            user_at,
            user_id,
            missing=UserNotFound(user_id),
        )
        return ok(request, view)

    @post("/{user_id:str}/roles", operation_id="GrantRole", status_code=200)
    async def grant_role(
        self,
        request: Request[Any, Any, Any],
        user_id: str,
        data: RoleChange,
        kyros: Kyros,
        actor: str,
    ) -> Response[bytes]:
        command = commands.GrantRole(user_id=user_id, role=data.role, actor=actor)
        return await _apply(request, kyros, command, user_id)

    @delete("/{user_id:str}/roles/{role:str}", operation_id="RevokeRole", status_code=200)
    async def revoke_role(
        self, request: Request[Any, Any, Any], user_id: str, role: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        command = commands.RevokeRole(user_id=user_id, role=role, actor=actor)
        return await _apply(request, kyros, command, user_id)

    @put("/{user_id:str}/password", operation_id="ChangePassword")
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        user_id: str,
        data: PasswordChange,
        kyros: Kyros,
        actor: str,
    ) -> Response[bytes]:
        command = commands.ChangePassword(user_id=user_id, password=data.password, actor=actor)
        return await _apply(request, kyros, command, user_id)

    @post("/{user_id:str}/disable", operation_id="DisableUser", status_code=200)
    async def disable_user(
        self, request: Request[Any, Any, Any], user_id: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        command = commands.DisableUser(user_id=user_id, actor=actor)
        return await _apply(request, kyros, command, user_id)

    @post("/{user_id:str}/enable", operation_id="EnableUser", status_code=200)
    async def enable_user(
        self, request: Request[Any, Any, Any], user_id: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        command = commands.EnableUser(user_id=user_id, actor=actor)
        return await _apply(request, kyros, command, user_id)

    @post("/{user_id:str}/unlock", operation_id="UnlockUser", status_code=200)
    async def unlock_user(
        self, request: Request[Any, Any, Any], user_id: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """Lifts a lockout after too many failed logins and resets the failure count."""
        command = commands.UnlockUser(user_id=user_id, actor=actor)
        return await _apply(request, kyros, command, user_id)


async def _apply(
    request: Request[Any, Any, Any], kyros: Kyros, command: object, user_id: str
) -> Response[bytes]:
    await kyros.execute(command)
    return ok(request, await _read(kyros, user_id))


async def _read(kyros: Kyros, user_id: str) -> dict[str, Any]:
    user = await in_thread(get_user, kyros.db, user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user
