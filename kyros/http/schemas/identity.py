"""Request bodies for the users, API keys and token refresh endpoints."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta, Struct

Username = Annotated[str, Meta(min_length=1, max_length=100)]
Password = Annotated[str, Meta(max_length=1024)]
RoleName = Annotated[str, Meta(min_length=1, max_length=50)]
Email = Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Name = Annotated[str, Meta(min_length=1, max_length=200)]


class UserCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Password length and role names are checked by the domain, with one message each."""

    username: Username
    password: Password
    email: Email | None = None
    name: Name | None = None
    roles: Annotated[list[RoleName], Meta(min_length=1, max_length=6)] = msgspec.field(
        default_factory=lambda: ["viewer"]
    )


class RoleChange(Struct, forbid_unknown_fields=True, kw_only=True):
    role: RoleName


class PasswordChange(Struct, forbid_unknown_fields=True, kw_only=True):
    password: Password


class ApiKeyCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    role: RoleName


class RefreshRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    refresh_token: Annotated[str, Meta(min_length=1, max_length=8192)]
