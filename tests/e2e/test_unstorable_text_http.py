"""Text no store can hold (NUL; PostgreSQL text refuses it) is refused in every body and form
field with a 422 naming the field, on both stores, and nothing is written: before the rule a
NUL was appended to the log and its read model could never apply it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import make_api_key
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores  # PostgreSQL cannot hold some text SQLite can

NUL = "a\u0000b"
BODIES = [
    ("/v1/users", {"username": "nul1", "password": "long enough pw 1", "name": NUL}, "name"),
    (
        "/v1/users",
        {"username": "nul2", "password": "long enough pw 1", "email": f"{NUL}@x.io"},
        "email",
    ),
    ("/v1/users", {"username": NUL, "password": "long enough pw 1"}, "username"),
    ("/v1/api-keys", {"name": NUL, "role": "viewer"}, "name"),
    (
        "/v1/webhooks",
        {"url": "http://127.0.0.1:9/h", "events": ["escalation.approved"], "description": NUL},
        "description",
    ),
    ("/v1/budgets", {"name": NUL, "period": "daily", "limit": 10}, "name"),
    ("/v1/tasks", {"title": "t", "metadata": {"notes": NUL}}, "metadata.notes"),
    (
        "/v1/tasks",
        {"title": "t", "metadata": {"deep": [{"x": "ok"}, {"x": NUL}]}},
        "metadata.deep[1].x",
    ),
    ("/v1/tasks", {"title": "t", "tags": ["ok", NUL]}, "tags[1]"),
    ("/v1/tasks", {"title": "t", "metadata": {NUL: 1}}, "metadata"),
]


def _log_head(kyros: Kyros) -> int:
    return kyros.app.head()


@pytest.mark.parametrize(("path", "body", "field"), BODIES)
def test_a_nul_in_any_body_field_is_refused_naming_it_and_nothing_is_written(
    client: httpx.Client, kyros: Kyros, path: str, body: dict[str, Any], field: str
) -> None:
    before = _log_head(kyros)
    response = client.post(path, json=body)
    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (422, "VALIDATION_ERROR")
    assert error["details"]["field"] == field
    assert "NUL" in error["details"]["issue"]
    assert _log_head(kyros) == before


def test_a_nul_in_an_update_body_is_refused_too(client: httpx.Client, kyros: Kyros) -> None:
    created = client.post("/v1/tasks", json={"title": "fine"}).json()["data"]
    before = _log_head(kyros)
    response = client.put(f"/v1/tasks/{created['id']}", json={"title": NUL})
    assert (response.status_code, response.json()["error"]["details"]["field"]) == (422, "title")
    assert _log_head(kyros) == before
    assert client.get(f"/v1/tasks/{created['id']}").json()["data"]["title"] == "fine"


def test_a_lone_surrogate_is_refused(client: httpx.Client, kyros: Kyros) -> None:
    before = _log_head(kyros)
    content = '{"name": "a\\udc00b", "role": "viewer"}'
    headers = {"content-type": "application/json"}
    response = client.post("/v1/api-keys", content=content, headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (422, "VALIDATION_ERROR")
    assert _log_head(kyros) == before


def test_an_escaped_backslash_u_is_ordinary_text(client: httpx.Client) -> None:
    response = client.post("/v1/api-keys", json={"name": "C:\\u0000dir", "role": "viewer"})
    assert response.status_code == 201
    assert response.json()["data"]["name"] == "C:\\u0000dir"


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_nul_in_a_form_field_is_refused_naming_it(anonymous: httpx.Client, field: str) -> None:
    values = {"username": "alice", "password": "secret"}
    values[field] = "a%00b"
    content = "&".join(f"{k}={v}" for k, v in values.items())
    headers = {"content-type": "application/x-www-form-urlencoded"}
    response = anonymous.post("/v1/auth/login", content=content, headers=headers)
    error = response.json()["error"]
    assert (response.status_code, error["code"], error["details"]["field"]) == (
        422,
        "VALIDATION_ERROR",
        field,
    )


def test_permissions_are_checked_before_the_body(base_url: str, kyros: Kyros) -> None:
    viewer = make_api_key(kyros, "viewer")
    headers = {"Authorization": f"Bearer {viewer.key}"}
    with http_client(base_url=base_url, headers=headers, timeout=10) as http:
        response = http.post("/v1/api-keys", json={"name": NUL, "role": "viewer"})
    assert response.status_code == 403
