"""OAuth2 login over HTTP, end to end: Kyros on a socket, a real OpenID provider on another."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_user
from tests.e2e.auth_helpers import bearer, tokens
from tests.e2e.helpers import assert_error
from tests.oauth2_provider.fixture import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    running_provider,
    sign_in,
)

LOGIN_FIELDS = {"access_token", "token_type", "expires_in", "refresh_token", "user"}
# One worker starts the OpenID provider (seconds) and runs every test here.


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with running_provider() as url:
        yield url


@pytest.fixture
def settings(settings: Settings, issuer: str) -> Settings:
    """Configured as an operator would: through KYROS_OAUTH2_* variables."""
    environ = {
        "KYROS_OAUTH2_REDIRECT_URI": REDIRECT_URI,
        "KYROS_OAUTH2_DEFAULT_ROLE": "developer",
        "KYROS_OAUTH2_ALLOW_INSECURE_LOOPBACK": "true",
        "KYROS_OAUTH2_LOCAL_CLIENT_ID": CLIENT_ID,
        "KYROS_OAUTH2_LOCAL_CLIENT_SECRET": CLIENT_SECRET,
        "KYROS_OAUTH2_LOCAL_ISSUER": issuer,
        "KYROS_OAUTH2_OFFLINE_CLIENT_ID": CLIENT_ID,
        "KYROS_OAUTH2_OFFLINE_ISSUER": f"http://127.0.0.1:{_closed_port()}",
        "KYROS_OAUTH2_DISABLED_CLIENT_ID": "",
    }
    oauth2 = Settings.from_env(environ)
    fields = ("oauth2_providers", "oauth2_default_role", "oauth2_allow_insecure_loopback")
    return msgspec.structs.replace(settings, **{f: getattr(oauth2, f) for f in fields})


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def callback_of(http: httpx.Client, account: str, provider: str = "local") -> dict[str, str]:
    """Starts a login, signs `account` in at the provider; returns what it sent back."""
    started = http.get(f"/v1/auth/oauth2/{provider}")
    assert started.status_code == 302, started.text
    return sign_in(started.headers["location"], account)


def finish(
    http: httpx.Client, callback: dict[str, str], *, form: bool = False, provider: str = "local"
) -> httpx.Response:
    path = f"/v1/auth/oauth2/{provider}/callback"
    return http.post(path, data=callback) if form else http.post(path, json=callback)


def provider_login(http: httpx.Client, account: str, **options: Any) -> dict[str, Any]:
    response = finish(http, callback_of(http, account), **options)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def test_a_new_user_signs_in_through_the_provider_and_gets_the_login_response(
    kyros: Kyros, anonymous: httpx.Client, issuer: str
) -> None:
    started = anonymous.get("/v1/auth/oauth2/local")
    assert started.status_code == 302
    assert started.headers["cache-control"] == "no-store"
    location = started.headers["location"]
    assert location.startswith(f"{issuer}/")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert {"state", "nonce", "code_challenge"} <= set(query)
    assert (query["client_id"], query["redirect_uri"]) == ([CLIENT_ID], [REDIRECT_URI])

    response = finish(anonymous, sign_in(location, "alice"))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    make_user(kyros, "someone", ["viewer"])
    password_login = tokens(anonymous, "someone")
    assert set(data) == set(password_login) == LOGIN_FIELDS
    assert set(data["user"]) == set(password_login["user"])
    assert data["token_type"] == "bearer"
    assert data["user"]["email"] == "alice@example.test"
    assert data["user"]["roles"] == ["developer"]  # KYROS_OAUTH2_DEFAULT_ROLE

    me = anonymous.get("/v1/auth/me", headers=bearer(data["access_token"]))
    assert me.status_code == 200, me.text
    assert (me.json()["data"]["id"], me.json()["data"]["name"]) == (
        data["user"]["id"],
        "Alice Example",
    )
    refreshed = anonymous.post("/v1/auth/refresh", json={"refresh_token": data["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text


def test_a_second_login_with_the_same_account_returns_the_same_user(
    anonymous: httpx.Client,
) -> None:
    first = provider_login(anonymous, "alice")
    again = provider_login(anonymous, "alice", form=True)  # a form post works the same
    assert again["user"]["id"] == first["user"]["id"]
    assert again["refresh_token"] != first["refresh_token"]


def test_a_verified_email_signs_in_as_the_existing_user_with_their_roles(
    kyros: Kyros, anonymous: httpx.Client
) -> None:
    user_id = make_user(kyros, "robert", ["approver"], email="Bob@Example.test")
    kyros.engine.catch_up("users", 500)
    data = provider_login(anonymous, "bob")
    assert (data["user"]["id"], data["user"]["roles"]) == (user_id, ["approver"])


def test_a_single_page_app_can_ask_for_the_authorization_url_as_json(
    anonymous: httpx.Client,
) -> None:
    started = anonymous.get("/v1/auth/oauth2/local", headers={"Accept": "application/json"})
    assert started.status_code == 200, started.text
    data = started.json()["data"]
    assert parse_qs(urlsplit(data["authorization_url"]).query)["state"] == [data["state"]]
    callback = sign_in(data["authorization_url"], "alice")
    assert callback["state"] == data["state"]
    assert finish(anonymous, callback).status_code == 200


def test_a_disabled_user_is_refused(anonymous: httpx.Client, client: httpx.Client) -> None:
    user_id = provider_login(anonymous, "dave")["user"]["id"]
    assert client.post(f"/v1/users/{user_id}/disable").status_code == 200
    refused = finish(anonymous, callback_of(anonymous, "dave"))
    assert_error(refused, 403, "FORBIDDEN")


def test_a_replayed_or_forged_callback_is_refused_without_echoing_secrets(
    anonymous: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kyros")
    callback = callback_of(anonymous, "alice")
    assert finish(anonymous, callback).status_code == 200
    replayed = finish(anonymous, callback)
    assert_error(replayed, 401, "UNAUTHORIZED", field="state")

    forged = {**callback_of(anonymous, "alice"), "code": "not-the-code-the-provider-issued"}
    assert_error(finish(anonymous, forged), 401, "UNAUTHORIZED", field="code")
    missing = {"state": callback_of(anonymous, "alice")["state"]}
    assert_error(finish(anonymous, missing), 422, "VALIDATION_ERROR", field="code")
    server_logs = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(("kyros", "litestar", "uvicorn"))
    )
    assert "refused: state_unknown" in server_logs
    for secret in (CLIENT_SECRET, callback["code"], callback["state"], forged["code"]):
        assert secret not in replayed.text
        assert secret not in server_logs


def test_a_provider_that_reports_an_error_or_a_bad_body_is_refused(
    anonymous: httpx.Client,
) -> None:
    denied = finish(anonymous, {"error": "access_denied", "state": "s"})
    assert_error(denied, 401, "UNAUTHORIZED", field="error")
    assert "access_denied" in denied.json()["error"]["details"]["issue"]
    not_a_string = anonymous.post("/v1/auth/oauth2/local/callback", json={"code": 1})
    assert_error(not_a_string, 422, "VALIDATION_ERROR", field="code")
    as_text = anonymous.post("/v1/auth/oauth2/local/callback", content=b"code=x")
    assert_error(as_text, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_an_unknown_or_disabled_provider_is_not_found(anonymous: httpx.Client) -> None:
    for provider in ("nope", "disabled"):
        assert_error(
            anonymous.get(f"/v1/auth/oauth2/{provider}"), 404, "NOT_FOUND", field="provider"
        )
        callback = anonymous.post(f"/v1/auth/oauth2/{provider}/callback", json={})
        assert_error(callback, 404, "NOT_FOUND", field="provider")


def test_an_unreachable_provider_is_service_unavailable(anonymous: httpx.Client) -> None:
    assert_error(anonymous.get("/v1/auth/oauth2/offline"), 503, "SERVICE_UNAVAILABLE")
