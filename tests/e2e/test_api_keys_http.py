"""API keys and the OAuth2 token endpoint over a real socket."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import PASSWORD, make_user
from tests.e2e.auth_helpers import FORM, bearer, claims
from tests.e2e.helpers import assert_error
from tests.http_client import http_client


def new_key(client: httpx.Client, role: str = "developer", name: str = "ci") -> dict[str, Any]:
    response = client.post("/v1/api-keys", json={"name": name, "role": role})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_new_key_is_shown_once_and_afterwards_only_its_prefix(client: httpx.Client) -> None:
    body = new_key(client)
    data = body["data"]
    assert data["key"].startswith(f"kyk_{data['prefix']}_")
    assert data["id"].startswith("key_")
    assert (data["role"], data["status"], data["name"]) == ("developer", "active", "ci")
    assert "not shown again" in body["message"]

    listed = client.get("/v1/api-keys")

    assert listed.status_code == 200
    (entry,) = [k for k in listed.json()["data"]["api_keys"] if k["id"] == data["id"]]
    assert entry["prefix"] == data["prefix"]
    assert "key" not in entry
    assert "key_hash" not in entry
    assert data["key"] not in listed.text
    assert data["key"][len("kyk_") + 9 :] not in listed.text


def test_a_key_works_as_x_api_key_and_as_a_bearer_token_within_its_role(
    client: httpx.Client, anonymous: httpx.Client
) -> None:
    key = new_key(client, role="developer")["data"]["key"]
    for headers in ({"X-API-Key": key}, bearer(key)):
        assert anonymous.get("/v1/tasks", headers=headers).status_code == 200
        created = anonymous.post("/v1/tasks", json={"title": "by key"}, headers=headers)
        assert created.status_code == 201, created.text
        refused = anonymous.put("/v1/configuration", json={}, headers=headers)
        assert_error(refused, 403, "FORBIDDEN")


@pytest.mark.both_stores  # freshness reads per-dialect log SQL
def test_a_revoked_key_is_refused_at_once(client: httpx.Client, anonymous: httpx.Client) -> None:
    data = new_key(client)["data"]
    assert anonymous.get("/v1/tasks", headers={"X-API-Key": data["key"]}).status_code == 200

    revoked = client.delete(f"/v1/api-keys/{data['id']}")

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["data"]["status"] == "revoked"
    for headers in ({"X-API-Key": data["key"]}, bearer(data["key"])):
        response = anonymous.get("/v1/tasks", headers=headers)
        assert_error(response, 401, "UNAUTHORIZED")
        assert response.json()["error"]["details"]["issue"] == "Invalid or revoked API key"


def test_revoking_an_unknown_key_is_404(client: httpx.Client) -> None:
    assert_error(client.delete("/v1/api-keys/key_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "NOT_FOUND")
    assert_error(client.delete("/v1/api-keys/nonsense"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "ci", "role": "root"}, "role"), ({"name": "", "role": "viewer"}, "name")],
)
def test_a_key_needs_a_name_and_a_real_role(
    client: httpx.Client, body: dict[str, str], field: str
) -> None:
    assert_error(client.post("/v1/api-keys", json=body), 422, "VALIDATION_ERROR", field=field)


class KyrosClient:
    """The spec's Python integration example, with httpx standing in for requests."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = http_client(timeout=10)
        self.session.headers.update(
            {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        )

    def create_task(self, task_data: dict[str, Any]) -> dict[str, Any]:
        response = self.session.post(f"{self.base_url}/v1/tasks", json=task_data)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def get_task_status(self, task_id: str) -> dict[str, Any]:
        response = self.session.get(f"{self.base_url}/v1/tasks/{task_id}")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]


def test_the_spec_python_client_example_works_with_an_api_key(
    client: httpx.Client, base_url: str
) -> None:
    key = new_key(client, role="developer")["data"]["key"]
    kyros_client = KyrosClient(base_url, key)

    task = kyros_client.create_task(
        {
            "title": "Implement user authentication",
            "description": "Add JWT authentication with OAuth2",
            "type": "implementation",
            "priority": "high",
            "assignee_role": "implementer",
        }
    )
    status = kyros_client.get_task_status(task["data"]["id"])

    assert status["data"]["status"] == "pending"
    assert status["data"]["created_by"].startswith("key_")


# --- POST /v1/auth/token (OAuth2, RFC 6749) ----------------------------------------------


def token(http: httpx.Client, **form: str) -> httpx.Response:
    return http.post("/v1/auth/token", content=urlencode(form), headers=FORM)


def test_the_password_grant_answers_like_login(kyros: Kyros, anonymous: httpx.Client) -> None:
    user_id = make_user(kyros, "bob", ["viewer"])
    response = token(anonymous, grant_type="password", username="bob", password=PASSWORD)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data) == {"access_token", "token_type", "expires_in", "refresh_token", "user"}
    assert data["user"]["id"] == user_id


def test_the_refresh_token_grant_rotates_like_refresh(
    kyros: Kyros, anonymous: httpx.Client
) -> None:
    make_user(kyros, "bob", ["viewer"])
    first = token(anonymous, grant_type="password", username="bob", password=PASSWORD)
    spent = first.json()["data"]["refresh_token"]
    rotated = token(anonymous, grant_type="refresh_token", refresh_token=spent)
    assert rotated.status_code == 200, rotated.text
    reused = token(anonymous, grant_type="refresh_token", refresh_token=spent)
    assert_error(reused, 401, "UNAUTHORIZED")


def test_client_credentials_take_the_key_prefix_and_the_key(
    client: httpx.Client, anonymous: httpx.Client
) -> None:
    data = new_key(client, role="viewer")["data"]
    response = token(
        anonymous,
        grant_type="client_credentials",
        client_id=data["prefix"],
        client_secret=data["key"],
    )
    assert response.status_code == 200, response.text
    granted = response.json()["data"]
    assert set(granted) == {"access_token", "token_type", "expires_in"}  # no refresh token
    assert claims(granted["access_token"])["sub"] == data["id"]
    headers = bearer(granted["access_token"])
    assert anonymous.get("/v1/tasks", headers=headers).status_code == 200
    assert_error(
        anonymous.post("/v1/tasks", json={"title": "t"}, headers=headers), 403, "FORBIDDEN"
    )

    client.delete(f"/v1/api-keys/{data['id']}")
    assert_error(anonymous.get("/v1/tasks", headers=headers), 401, "UNAUTHORIZED")


@pytest.mark.parametrize("mismatch", ["prefix", "secret"])
def test_client_credentials_that_do_not_match_are_401(
    client: httpx.Client, anonymous: httpx.Client, mismatch: str
) -> None:
    data = new_key(client)["data"]
    client_id = "00000000" if mismatch == "prefix" else data["prefix"]
    secret = data["key"] if mismatch == "prefix" else f"kyk_{data['prefix']}_{'A' * 43}"
    response = token(
        anonymous, grant_type="client_credentials", client_id=client_id, client_secret=secret
    )
    assert_error(response, 401, "UNAUTHORIZED")
    assert response.json()["error"]["details"]["issue"] == "Invalid client credentials"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({}, "grant_type"),
        ({"grant_type": "implicit"}, "grant_type"),
        ({"grant_type": "password", "username": "bob"}, "password"),
        ({"grant_type": "refresh_token"}, "refresh_token"),
        ({"grant_type": "client_credentials", "client_id": "abc"}, "client_secret"),
    ],
    ids=["missing", "unsupported", "no-password", "no-refresh-token", "no-secret"],
)
def test_an_incomplete_token_request_is_a_422_naming_the_field(
    anonymous: httpx.Client, form: dict[str, str], field: str
) -> None:
    assert_error(token(anonymous, **form), 422, "VALIDATION_ERROR", field=field)


def test_the_token_endpoint_refuses_json(anonymous: httpx.Client) -> None:
    response = anonymous.post("/v1/auth/token", json={"grant_type": "password"})
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE", field="Content-Type")
    assert FORM["Content-Type"] in response.json()["error"]["details"]["issue"]
