"""Types are as documented, not merely coercible: in every JSON body `0`/`1` are not booleans nor
date-times, and a signed token with an absurd time claim is refused (401), never a 500."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from base64 import urlsafe_b64encode
from typing import Any

import httpx
import jwt
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_user
from tests.builders.http import agent_client, create_task
from tests.e2e.agent_helpers import data
from tests.e2e.auth_helpers import tokens
from tests.e2e.helpers import assert_error, total_tasks
from tests.e2e.test_models_http import SPEC_SELECT

SECRET = "strict-types-test-secret-of-at-least-32-bytes"
NOT_BOOLEANS = [0, 1, "true"]
NOT_DATE_TIMES = [0, 1_705_000_000, 1.5]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A known signing secret, so the tests can sign tokens the server accepts as genuine."""
    return msgspec.structs.replace(settings, jwt_secret=SECRET)


def typed_fields(doc: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> list[tuple]:
    """(dotted field, "boolean" | "date-time") of every such property, nested objects included."""
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    found: list[tuple[str, str]] = []
    for option in [*schema.get("oneOf", []), *schema.get("anyOf", [])]:
        found += typed_fields(doc, option, prefix)
    for name, prop in schema.get("properties", {}).items():
        field = f"{prefix}{name}"
        options = [prop, *prop.get("oneOf", []), *prop.get("anyOf", [])]
        if any(o.get("type") == "boolean" for o in options):
            found.append((field, "boolean"))
        elif any(o.get("format") == "date-time" for o in options):
            found.append((field, "date-time"))
        elif prefix.count(".") < 3:
            found += typed_fields(doc, prop, f"{field}.")
    return found


def nested(field: str, value: Any) -> dict[str, Any]:
    body: Any = value
    for part in reversed(field.split(".")):
        body = {part: body}
    return body  # type: ignore[no-any-return]


def test_no_body_takes_an_integer_or_a_string_for_a_boolean_or_a_date_time(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    with agent_client(kyros, base_url) as agent:  # for the agents' own routes
        checked = _walk_bodies(client, agent)
    assert len(checked) >= 12, checked  # the walk really found the API's booleans and date-times
    assert total_tasks(client) == 0


def _walk_bodies(client: httpx.Client, agent: httpx.Client) -> list[str]:
    doc = client.get("/v1/schema/openapi.json").json()
    checked: list[str] = []
    for template, item in doc["paths"].items():
        for method, operation in item.items():
            path = _concrete(template, operation)
            body_schema = (
                operation.get("requestBody", {}).get("content", {}).get("application/json")
            )
            if body_schema is None:
                continue
            for field, kind in dict.fromkeys(typed_fields(doc, body_schema["schema"])):
                for value in NOT_BOOLEANS if kind == "boolean" else NOT_DATE_TIMES:
                    response = client.request(method, path, json=nested(field, value))
                    if response.status_code == 403:  # a route for agents, not admins
                        response = agent.request(method, path, json=nested(field, value))
                    assert_error(response, 422, "VALIDATION_ERROR", field=field)
                checked.append(f"{method} {template} {field}")
    return checked


def _concrete(template: str, operation: dict[str, Any]) -> str:
    """A path to call: a documented choice for an enumerated parameter (an unknown agent role
    is 404 before its body is read), else an id that exists nowhere."""
    choices = {
        p["name"]: p["schema"]["enum"][0]
        for p in operation.get("parameters", [])
        if p.get("in") == "path" and "enum" in p.get("schema", {})
    }
    return re.sub(r"\{([^}:]+)[^}]*\}", lambda m: choices.get(m.group(1), "x1"), template)


def test_the_issues_examples_are_refused(client: httpx.Client) -> None:
    assert_error(
        client.post("/v1/tasks", json={"title": "Zero deadline", "deadline": 0}),
        422,
        "VALIDATION_ERROR",
        field="deadline",
    )
    select = {**SPEC_SELECT, "preferences": {"cost_sensitive": 0, "quality_critical": 1}}
    assert_error(
        client.post("/v1/models/select", json=select),
        422,
        "VALIDATION_ERROR",
        field="preferences.cost_sensitive",
    )
    assert total_tasks(client) == 0


def test_a_string_is_not_a_number_either(client: httpx.Client) -> None:
    select = {**SPEC_SELECT, "complexity_indicators": {"file_count": "3"}}
    assert_error(
        client.post("/v1/models/select", json=select),
        422,
        "VALIDATION_ERROR",
        field="complexity_indicators.file_count",
    )


def test_real_booleans_and_date_times_still_work(client: httpx.Client) -> None:
    select = {**SPEC_SELECT, "preferences": {"cost_sensitive": True, "quality_critical": False}}
    assert client.post("/v1/models/select", json=select).status_code == 200
    task = create_task(client, deadline="2030-01-20T23:59:59Z")
    assert task["deadline"] == "2030-01-20T23:59:59Z"
    cancelled = client.request("DELETE", f"/v1/tasks/{task['id']}")  # an optional body, absent
    assert cancelled.status_code == 200, cancelled.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/configuration", {"system": {"maintenance_mode": 0}}, "system.maintenance_mode"),
        (
            "/v1/configuration",
            {"escalation": {"approval_required": 1}},
            "escalation.approval_required",
        ),
        ("/v1/agents/implementer/configuration", {"enabled": 0}, "enabled"),
    ],
)
def test_configuration_booleans_are_booleans(
    client: httpx.Client, path: str, body: dict[str, Any], field: str
) -> None:
    before = data(client.get(path))
    assert_error(client.put(path, json=body), 422, "VALIDATION_ERROR", field=field)
    assert data(client.get(path)) == before


def _b64(raw: bytes) -> str:
    return urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(claims: dict[str, Any]) -> str:
    """Signed with the server's own secret, so only the claims can be wrong."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@pytest.mark.parametrize(
    "iat",
    [10**20, 10**400, -(10**400), -1, "1700000000", None, float("inf")],
    ids=["10**20", "10**400", "-10**400", "-1", "string", "null", "inf"],
)
def test_a_correctly_signed_token_with_an_absurd_iat_is_401(
    kyros: Kyros, anonymous: httpx.Client, iat: Any
) -> None:
    make_user(kyros, "signed-user", ["viewer"])
    genuine = tokens(anonymous, "signed-user")["access_token"]
    claims = jwt.decode(genuine, options={"verify_signature": False})
    resigned = signed(claims)  # the test signs as the server does: accepted as it is
    me = anonymous.get("/v1/auth/me", headers={"Authorization": f"Bearer {resigned}"})
    assert me.status_code == 200, me.text
    token = signed({**claims, "iat": iat})
    response = anonymous.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "UNAUTHORIZED")
