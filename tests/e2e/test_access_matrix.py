"""Every route, with every kind of credential, answers 401, 403 or 2xx as designed."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pytest
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.domain.alert import Alert
from kyros.domain.permissions import Role, permissions_for
from kyros.http.app import create_app
from kyros.ids import public_id
from kyros.settings import Settings
from tests.builders.commands import PASSWORD, make_api_key, make_user
from tests.e2e.auth_helpers import alg_none, bearer, expired, signed_with_another_key, tokens

ANY_CALLER = "any authenticated caller"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as the app lists it, parameters included
    permission: str
    body: Callable[[], Any] | None = None


_names = itertools.count()


def _budget() -> dict[str, Any]:
    """A budget that limits nobody the matrix submits work as."""
    name = f"matrix{next(_names)}"
    return {"name": name, "period": "daily", "limit": 10, "scope": "user", "scope_value": name}


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
    Route("GET", "/v1/models", "read_models"),
    Route("GET", "/v1/models/{model_name:str}", "read_models"),
    Route("POST", "/v1/models/select", "select_model", lambda: {"task_description": "Fix a typo"}),
    Route("GET", "/v1/monitoring/metrics", "read_monitoring"),
    Route("GET", "/v1/monitoring/costs", "read_costs"),
    Route("GET", "/v1/costs/ledger", "read_costs"),
    Route("GET", "/v1/costs/export", "read_costs"),
    Route("POST", "/v1/analysis/what-if", "read_costs", lambda: {"scenarios": [{"name": "s"}]}),
    Route(
        "POST", "/v1/escalation/submit", "request_escalation", lambda: {"reason": "matrix"}
    ),  # task_id: a fresh task per call
    Route(
        "POST",
        "/v1/escalation/{escalation_id:str}/approve",
        "approve_escalation",
        lambda: {"decision": "approved"},
    ),
    Route("GET", "/v1/escalation/{escalation_id:str}/status", "read_escalations"),
    Route("GET", "/v1/escalations", "read_escalations"),
    Route("POST", "/v1/budgets", "manage_budgets", lambda: _budget()),
    # Budgets are read with manage_budgets or read_costs; every manage_budgets role reads costs.
    Route("GET", "/v1/budgets", "read_costs"),
    Route("GET", "/v1/budgets/{budget_id:str}", "read_costs"),
    Route("GET", "/v1/budgets/{budget_id:str}/periods", "read_costs"),
    Route("PUT", "/v1/budgets/{budget_id:str}", "manage_budgets", lambda: {"limit": 5}),
    Route("DELETE", "/v1/budgets/{budget_id:str}", "manage_budgets"),
    Route("GET", "/v1/monitoring/alerts", "read_monitoring"),
    Route("GET", "/v1/audit/public-key", "read_audit"),
    Route("GET", "/v1/audit/checkpoints", "read_audit"),
    Route("GET", "/v1/audit/verify", "read_audit"),
    Route("POST", "/v1/monitoring/alerts/{alert_id:str}/acknowledge", "manage_alerts"),
    Route("POST", "/v1/monitoring/alerts/{alert_id:str}/resolve", "manage_alerts"),
    Route("GET", "/v1/agents/{role:str}/status", "read_agents"),
    Route("GET", "/v1/agents/{role:str}/configuration", "read_agents"),
    Route(
        "PUT",
        "/v1/agents/{role:str}/configuration",
        "manage_agents",
        lambda: {"preferences": {"temperature": 0.7}},
    ),
    Route("GET", "/v1/configuration/agents/{role:str}", "read_configuration"),
    Route("POST", "/v1/agents/{role:str}/submit", "submit_task"),  # body: a fresh task per call
    Route(
        "POST", "/v1/agents/register", "claim_work", lambda: {"role": "critic", "name": "matrix"}
    ),
    Route("POST", "/v1/agents/{agent_id:str}/heartbeat", "claim_work"),
    Route("POST", "/v1/agents/{agent_id:str}/claim", "claim_work"),
    Route(
        "POST",
        "/v1/submissions/{submission_id:str}/progress",
        "report_work",
        lambda: {"completed_steps": 1, "total_steps": 2},
    ),
    Route(
        "POST",
        "/v1/submissions/{submission_id:str}/complete",
        "report_work",
        lambda: {
            "results": {},
            "usage": {"model": "glm-4.5", "input_tokens": 1, "output_tokens": 1},
        },
    ),
    Route(
        "POST", "/v1/submissions/{submission_id:str}/fail", "report_work", lambda: {"error": "x"}
    ),
    Route(
        "POST",
        "/v1/webhooks",
        "manage_webhooks",
        lambda: {"url": "http://127.0.0.1:9/matrix", "events": ["escalation.approved"]},
    ),
    Route("GET", "/v1/webhooks", "manage_webhooks"),
    Route("GET", "/v1/webhooks/{webhook_id:str}", "manage_webhooks"),
    Route("PUT", "/v1/webhooks/{webhook_id:str}", "manage_webhooks", lambda: {"status": "paused"}),
    Route("DELETE", "/v1/webhooks/{webhook_id:str}", "manage_webhooks"),
    Route("POST", "/v1/webhooks/{webhook_id:str}/test", "manage_webhooks"),
    Route("POST", "/v1/webhooks/{webhook_id:str}/rotate-secret", "manage_webhooks"),
    Route("GET", "/v1/webhooks/{webhook_id:str}/deliveries", "manage_webhooks"),
    Route(
        "POST",
        "/v1/webhooks/{webhook_id:str}/deliveries/{delivery_id:str}/redeliver",
        "manage_webhooks",
    ),
    Route("GET", "/v1/monitoring/health", "read_monitoring"),
    Route("GET", "/metrics", "read_monitoring"),
    Route("GET", "/v1/events", "read_audit"),
    Route("GET", "/v1/events/types", "read_audit"),
    Route("GET", "/v1/tasks/{task_id:str}/history", "read_audit"),
    Route("GET", "/v1/escalations/{escalation_id:str}/history", "read_audit"),
    Route("GET", "/v1/budgets/{budget_id:str}/history", "read_audit"),
    Route("GET", "/v1/webhooks/{webhook_id:str}/history", "read_audit"),
    Route("GET", "/v1/users/{user_id:str}/history", "read_audit"),
    Route("GET", "/v1/configuration/agents/{role:str}/history", "read_audit"),
    Route("GET", "/v1/configuration/history", "read_audit"),
)
# Stand-ins where the guard refuses before the handler could look the id up.
NO_AGENT, NO_SUBMISSION = "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV", "sub_01ARZ3NDEKTSV4RRFFQ69G5FAV"
NO_TARGET = "01ARZ3NDEKTSV4RRFFQ69G5FAV"  # escalation, budget and alert ids, with their prefix

# Reachable with no credential at all (and unaffected by a bad one).
PUBLIC = {
    ("GET", "/v1/health/live"),
    ("GET", "/v1/health/ready"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/refresh"),
    ("POST", "/v1/auth/token"),
}
PUBLIC_PREFIXES = ("/v1/schema", "/v1/docs-assets", "/v1/auth/oauth2", "/console")
BAD_CREDENTIALS = ("anonymous", "malformed", "expired", "wrong key", "alg none")
KEY_ROLE = "developer"


class World:
    """The server, an admin to prepare targets, and one credential of every kind."""

    def __init__(self, kyros: Kyros, client: httpx.Client, anonymous: httpx.Client) -> None:
        self.kyros, self.admin, self.http = kyros, client, anonymous
        self.victim = make_user(kyros, "victim", ["viewer"])
        for role in Role:
            make_user(kyros, f"as-{role}", [role.value])
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
        path = path.replace("/agents/{role:str}", "/agents/implementer")
        path = path.replace("{model_name:str}", "glm-4.5")
        path = path.replace("{user_id:str}", self.victim).replace("{role:str}", "viewer")
        if "{key_id:str}" in path:
            path = path.replace("{key_id:str}", make_api_key(self.kyros, "viewer").id)
        path = self._agent_work(route, credential, path, headers)
        if "{webhook_id:str}" in path:
            path = self._webhook(path)
        path = self._escalation_work(route, credential, path)
        body = route.body() if route.body else None
        if path.endswith("/submit"):
            body = {**(body or {}), "task_id": self._task()}
        return self.http.request(route.method, path, json=body, headers=headers)

    def _agent_work(self, route: Route, credential: str, path: str, headers: Any) -> str:
        """A registered agent (and a submission it holds) of the caller, when it may have one."""
        allowed = self.expected(route, credential) == "2xx"
        if path.endswith("/claim"):
            path += "?wait=0"
        if "{agent_id:str}" in path:
            path = path.replace("{agent_id:str}", self._agent(headers) if allowed else NO_AGENT)
        if "{submission_id:str}" in path:
            held = self._held_submission(headers) if allowed else NO_SUBMISSION
            path = path.replace("{submission_id:str}", held)
        return path

    def _agent(self, headers: Any) -> str:
        body = {"role": "architect", "name": "matrix", "capacity": 1}
        registered = self.http.post("/v1/agents/register", json=body, headers=headers)
        return str(registered.json()["data"]["agent_id"])

    def _held_submission(self, headers: Any) -> str:
        task = self._task()
        self.admin.post("/v1/agents/architect/submit", json={"task_id": task})
        agent = self._agent(headers)
        claimed = self.http.post(f"/v1/agents/{agent}/claim?wait=5", headers=headers)
        return str(claimed.json()["data"]["submission"]["submission_id"])

    def _webhook(self, path: str) -> str:
        """A fresh loopback webhook (and, for redelivery, a delivery of it) made by the admin."""
        body = {"url": "http://127.0.0.1:9/matrix", "events": ["escalation.approved"]}
        webhook = str(self.admin.post("/v1/webhooks", json=body).json()["data"]["id"])
        if "{delivery_id:str}" in path:
            tested = self.admin.post(f"/v1/webhooks/{webhook}/test").json()["data"]["id"]
            path = path.replace("{delivery_id:str}", str(tested))
        return path.replace("{webhook_id:str}", webhook)

    def _escalation_work(self, route: Route, credential: str, path: str) -> str:
        """A fresh escalation (requested by the admin key, so any other caller may decide
        it), budget or alert, when the caller may reach it; a well-formed stand-in if not."""
        allowed = self.expected(route, credential) == "2xx"
        if "{escalation_id:str}" in path:
            found = f"esc_{NO_TARGET}"
            if allowed:
                body = {"task_id": self._task(), "reason": "matrix"}
                opened = self.admin.post("/v1/escalation/submit", json=body).json()
                found = str(opened["data"]["escalation_id"])
            path = path.replace("{escalation_id:str}", found)
        if "{budget_id:str}" in path:
            found = f"budget_{NO_TARGET}"
            if allowed:
                found = str(self.admin.post("/v1/budgets", json=_budget()).json()["data"]["id"])
            path = path.replace("{budget_id:str}", found)
        if "{alert_id:str}" in path:
            found = f"alert_{NO_TARGET}"
            if allowed:
                alert_id = ULID().to_uuid()
                raised = Alert(
                    alert_id=alert_id,
                    alert_type="budget_threshold",
                    severity="warning",
                    message="matrix",
                    details={},
                    actor="test",
                )
                self.kyros.app.save_all(raised)
                found = public_id("alert", alert_id)
            path = path.replace("{alert_id:str}", found)
        return path

    def _task(self) -> str:
        created = self.admin.post("/v1/tasks", json={"title": "target"})
        return str(created.json()["data"]["id"])


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Webhook targets here are on loopback (port 9, where nothing listens)."""
    return msgspec.structs.replace(settings, webhook_allowed_networks=("127.0.0.0/8",))


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
        oauth2 = anonymous.get("/v1/auth/oauth2/not-configured", headers=headers)
        assert oauth2.status_code == 404, credential


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
        ("auditor", "GET", "/v1/events", True),
        ("viewer", "GET", "/v1/events", False),
        ("developer", "GET", "/v1/tasks/{task_id:str}/history", False),
        ("developer", "POST", "/v1/users", False),
        ("approver", "DELETE", "/v1/tasks/{task_id:str}", False),
        ("viewer", "GET", "/v1/monitoring/metrics", True),
        ("approver", "POST", "/v1/escalation/{escalation_id:str}/approve", True),
        ("developer", "POST", "/v1/escalation/{escalation_id:str}/approve", False),
        ("developer", "POST", "/v1/escalation/submit", True),
        ("viewer", "POST", "/v1/escalation/submit", False),
        ("viewer", "GET", "/v1/escalations", True),
        ("approver", "POST", "/v1/budgets", False),
        ("auditor", "GET", "/v1/budgets", True),
        ("approver", "POST", "/v1/monitoring/alerts/{alert_id:str}/resolve", True),
        ("developer", "POST", "/v1/monitoring/alerts/{alert_id:str}/acknowledge", False),
        ("viewer", "GET", "/v1/monitoring/costs", False),
        ("auditor", "GET", "/v1/monitoring/costs", True),
    ],
)
def test_the_role_table_grants_what_the_issue_asks(
    role: str, method: str, path: str, allowed: bool
) -> None:
    """Spot checks written out by hand, so the matrix is not only roles.py checking itself."""
    (route,) = [r for r in ROUTES if (r.method, r.path) == (method, path)]
    assert (route.permission in permissions_for([role])) is allowed


def test_the_openapi_document_asks_every_route_but_the_public_ones_for_a_credential(
    anonymous: httpx.Client,
) -> None:
    """What Swagger UI's Authorize button and padlocks show: one requirement for the whole
    document, and `security: [{}]` (no credential) on exactly the public operations."""
    schema = anonymous.get("/v1/schema/openapi.json").json()
    assert schema["security"] == [{"BearerAuth": []}, {"ApiKeyHeader": []}]
    schemes = schema["components"]["securitySchemes"]
    assert (schemes["BearerAuth"]["type"], schemes["BearerAuth"]["scheme"]) == ("http", "bearer")
    api_key = schemes["ApiKeyHeader"]
    assert (api_key["type"], api_key["in"], api_key["name"]) == ("apiKey", "header", "X-API-Key")
    documented = {
        (method.upper(), path): operation.get("security")
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert set(map(str, documented.values())) <= {"None", "[{}]"}
    oauth2 = {
        ("GET", "/v1/auth/oauth2"),
        ("GET", "/v1/auth/oauth2/{provider}"),
        ("POST", "/v1/auth/oauth2/{provider}/callback"),
    }
    assert {route for route, security in documented.items() if security == [{}]} == PUBLIC | oauth2


def test_every_v1_route_is_in_the_matrix_or_deliberately_public(kyros: Kyros) -> None:
    app = create_app(kyros, run_workers=False)
    served = {
        (method, route.path)
        for route in app.routes
        for method in getattr(route, "methods", ())
        if method not in ("OPTIONS", "HEAD") and not route.path.startswith(PUBLIC_PREFIXES)
    }
    assert served == {(r.method, r.path) for r in ROUTES} | PUBLIC
