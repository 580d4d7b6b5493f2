"""Every route, with every kind of credential, answers 401, 403 or 2xx as designed."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.http.app import create_app
from kyros.identity.roles import Role, permissions_for
from tests.conftest import make_api_key
from tests.e2e.auth_helpers import (
    PASSWORD,
    add_user,
    alg_none,
    bearer,
    expired,
    signed_with_another_key,
    tokens,
)

ANY_CALLER = "any authenticated caller"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as the app lists it, parameters included
    permission: str
    body: Callable[[], Any] | None = None


_names = itertools.count()
ROUTES = (
    Route("GET", "/v1/tasks", "read_tasks"),
    Route("POST", "/v1/tasks", "create_task", lambda: {"title": "matrix"}),
    Route("GET", "/v1/tasks/{task_id:str}", "read_tasks"),
    Route("PUT", "/v1/tasks/{task_id:str}", "update_task", lambda: {"title": "renamed"}),
    Route("DELETE", "/v1/tasks/{task_id:str}", "cancel_task"),
    Route("GET", "/v1/configuration", "read_configuration"),
    Route("PUT", "/v1/configuration", "manage_configuration", lambda: {"models": {"timeout": 300}}),
    Route("GET", "/v1/auth/me", ANY_CALLER),
    Route("POST", "/v1/auth/logout", ANY_CALLER),
    Route(
        "POST",
        "/v1/users",
        "manage_users",
        lambda: {"username": f"made{next(_names)}", "password": PASSWORD},
    ),
    Route("GET", "/v1/users", "manage_users"),
    Route("GET", "/v1/users/{user_id:str}", "manage_users"),
    Route("POST", "/v1/users/{user_id:str}/roles", "manage_users", lambda: {"role": "viewer"}),
    Route("DELETE", "/v1/users/{user_id:str}/roles/{role:str}", "manage_users"),
    Route(
        "PUT", "/v1/users/{user_id:str}/password", "manage_users", lambda: {"password": PASSWORD}
    ),
    Route("POST", "/v1/users/{user_id:str}/disable", "manage_users"),
    Route("POST", "/v1/users/{user_id:str}/enable", "manage_users"),
    Route("POST", "/v1/users/{user_id:str}/unlock", "manage_users"),
    Route("POST", "/v1/api-keys", "manage_users", lambda: {"name": "k", "role": "viewer"}),
    Route("GET", "/v1/api-keys", "manage_users"),
    Route("DELETE", "/v1/api-keys/{key_id:str}", "manage_users"),
)

# Reachable with no credential at all (and unaffected by a bad one).
PUBLIC = {
    ("GET", "/v1/health/live"),
    ("GET", "/v1/health/ready"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/refresh"),
    ("POST", "/v1/auth/token"),
}
PUBLIC_PREFIXES = ("/v1/schema", "/v1/docs-assets", "/v1/auth/oauth2/")
BAD_CREDENTIALS = ("anonymous", "malformed", "expired", "wrong key", "alg none")
KEY_ROLE = "developer"


class World:
    """The server, an admin to prepare targets, and one credential of every kind."""

    def __init__(self, kyros: Kyros, client: httpx.Client, anonymous: httpx.Client) -> None:
        self.kyros, self.admin, self.http = kyros, client, anonymous
        self.victim = add_user(kyros, "victim", ["viewer"])
        for role in Role:
            add_user(kyros, f"as-{role}", [role.value])
        self.role_tokens = {r.value: tokens(anonymous, f"as-{r}")["access_token"] for r in Role}
        key = make_api_key(kyros, KEY_ROLE).key
        admin_token = self.role_tokens["admin"]
        self.credentials: dict[str, dict[str, str]] = {
            "anonymous": {},
            "malformed": bearer("not-a-token"),
            "expired": bearer(expired(kyros, admin_token)),
            "wrong key": bearer(signed_with_another_key(kyros, admin_token)),
            "alg none": bearer(alg_none(admin_token)),
            **{f"role {role}": bearer(token) for role, token in self.role_tokens.items()},
            "api key (X-API-Key)": {"X-API-Key": key},
            "api key (Bearer)": bearer(key),
        }

    def expected(self, route: Route, credential: str) -> str:
        if credential in BAD_CREDENTIALS:
            return "401"
        if credential.startswith("api key") and route.path == "/v1/auth/logout":
            return "409"  # an API key has no session to end (documented)
        role = credential.removeprefix("role ") if credential.startswith("role") else KEY_ROLE
        allowed = route.permission == ANY_CALLER or route.permission in permissions_for([role])
        return "2xx" if allowed else "403"

    def call(self, route: Route, credential: str) -> httpx.Response:
        headers = self.credentials[credential]
        if route.path == "/v1/auth/logout" and credential.startswith("role "):
            name = credential.removeprefix("role ")
            headers = bearer(tokens(self.http, f"as-{name}")["access_token"])  # a spare session
        path = route.path.replace("{task_id:str}", self._task())
        path = path.replace("{user_id:str}", self.victim).replace("{role:str}", "viewer")
        if "{key_id:str}" in path:
            path = path.replace("{key_id:str}", make_api_key(self.kyros, "viewer").id)
        body = route.body() if route.body else None
        return self.http.request(route.method, path, json=body, headers=headers)

    def _task(self) -> str:
        created = self.admin.post("/v1/tasks", json={"title": "target"})
        return str(created.json()["data"]["id"])


def outcome(response: httpx.Response) -> str:
    return "2xx" if 200 <= response.status_code < 300 else str(response.status_code)


def test_every_route_answers_every_credential_as_designed(
    kyros: Kyros, client: httpx.Client, anonymous: httpx.Client
) -> None:
    world = World(kyros, client, anonymous)
    mismatches = []
    for route in ROUTES:
        for credential in world.credentials:
            expected, response = world.expected(route, credential), world.call(route, credential)
            if outcome(response) != expected:
                mismatches.append((route.method, route.path, credential, expected, response.text))
            if expected in ("401", "403"):
                body = response.json()
                assert body["success"] is False
                assert body["error"]["code"] == (
                    "UNAUTHORIZED" if expected == "401" else "FORBIDDEN"
                )
    assert mismatches == []


def test_public_routes_answer_every_credential_alike(
    kyros: Kyros, client: httpx.Client, anonymous: httpx.Client
) -> None:
    world = World(kyros, client, anonymous)
    for credential, headers in world.credentials.items():
        for path in ("/v1/health/live", "/v1/health/ready", "/v1/schema/openapi.json"):
            assert anonymous.get(path, headers=headers).status_code == 200, (path, credential)
        login = anonymous.post("/v1/auth/login", data={}, headers=headers)
        assert login.status_code == 415, credential  # judged on its body, not on the caller


@pytest.mark.parametrize(
    ("role", "method", "path", "allowed"),
    [
        ("admin", "PUT", "/v1/configuration", True),
        ("admin", "POST", "/v1/users", True),
        ("viewer", "POST", "/v1/tasks", False),
        ("viewer", "GET", "/v1/tasks", True),
        ("agent", "GET", "/v1/configuration", False),
        ("auditor", "GET", "/v1/configuration", True),
        ("auditor", "PUT", "/v1/configuration", False),
        ("developer", "POST", "/v1/users", False),
        ("approver", "DELETE", "/v1/tasks/{task_id:str}", False),
    ],
)
def test_the_role_table_grants_what_the_issue_asks(
    role: str, method: str, path: str, allowed: bool
) -> None:
    """Spot checks written out by hand, so the matrix is not only roles.py checking itself."""
    (route,) = [r for r in ROUTES if (r.method, r.path) == (method, path)]
    assert (route.permission in permissions_for([role])) is allowed


def test_every_v1_route_is_in_the_matrix_or_deliberately_public(kyros: Kyros) -> None:
    app = create_app(kyros, run_workers=False)
    served = {
        (method, route.path)
        for route in app.routes
        for method in getattr(route, "methods", ())
        if method not in ("OPTIONS", "HEAD") and not route.path.startswith(PUBLIC_PREFIXES)
    }
    assert served == {(r.method, r.path) for r in ROUTES} | PUBLIC
