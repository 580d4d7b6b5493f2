"""OpenAPI answer shapes of users, logins and sessions, and API keys."""

from __future__ import annotations

from msgspec import Struct

from kyros.http.openapi_common_data import Pagination


class User(Struct):
    id: str
    username: str
    email: str | None
    name: str | None
    roles: list[str]
    permissions: list[str]
    status: str
    locked: bool
    created_at: str
    last_login: str | None


class UserPage(Struct):
    users: list[User]
    pagination: Pagination


class Profile(Struct):
    id: str
    email: str | None
    name: str | None
    roles: list[str]
    permissions: list[str]
    created_at: str | None
    last_login: str | None


class LoginUser(Struct):
    id: str
    email: str | None
    roles: list[str]


class Tokens(Struct):
    access_token: str
    token_type: str
    expires_in: int


class Login(Struct):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    user: LoginUser


class LoggedOut(Struct):
    session_id: str
    status: str


class OAuth2Start(Struct):
    authorization_url: str
    state: str


class OAuth2Providers(Struct):
    providers: list[str]


class ApiKey(Struct):
    id: str
    name: str
    prefix: str
    role: str
    status: str
    created_by: str
    created_at: str
    revoked_by: str | None
    revoked_at: str | None


class NewApiKey(ApiKey):
    key: str  # shown once


class ApiKeyList(Struct):
    api_keys: list[ApiKey]
