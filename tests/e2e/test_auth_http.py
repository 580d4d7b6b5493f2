"""Login, refresh, /me, logout and lockout over a real socket."""

from __future__ import annotations

import logging

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.domain.permissions import permissions_for
from tests.builders.commands import PASSWORD, make_user
from tests.e2e.auth_helpers import (
    FORM,
    alg_none,
    bearer,
    claims,
    expired,
    login,
    signed_with_another_key,
    tokens,
)
from tests.e2e.helpers import assert_error


@pytest.fixture
def alice(kyros: Kyros) -> str:
    return make_user(kyros, "alice", ["developer"])


def test_login_answers_exactly_the_spec_response(anonymous: httpx.Client, alice: str) -> None:
    response = login(anonymous, "alice")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert set(data) == {"access_token", "token_type", "expires_in", "refresh_token", "user"}
    assert data["token_type"] == "bearer"
    assert data["expires_in"] == 24 * 3600
    assert data["user"] == {"id": alice, "email": "alice@example.com", "roles": ["developer"]}
    access = claims(data["access_token"])
    assert (access["iss"], access["aud"], access["sub"]) == ("kyros", "kyros-api", alice)
    assert access["sid"].startswith("fam_")
    assert access["exp"] - access["iat"] == 24 * 3600


def test_the_access_token_lifetime_follows_the_configuration(
    client: httpx.Client, anonymous: httpx.Client, alice: str
) -> None:
    changed = client.put("/v1/configuration", json={"security": {"jwt_expiration_hours": 2}})
    assert changed.status_code == 200, changed.text

    data = tokens(anonymous, "alice")

    assert data["expires_in"] == 7200
    access = claims(data["access_token"])
    assert access["exp"] - access["iat"] == 7200


def test_me_answers_the_spec_profile_of_the_caller(anonymous: httpx.Client, alice: str) -> None:
    access = tokens(anonymous, "Alice")["access_token"]  # usernames ignore case

    response = anonymous.get("/v1/auth/me", headers=bearer(access))

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data) == {
        "id",
        "email",
        "name",
        "roles",
        "permissions",
        "created_at",
        "last_login",
    }
    assert (data["id"], data["email"], data["name"]) == (alice, "alice@example.com", "Alice")
    assert data["roles"] == ["developer"]
    assert data["permissions"] == sorted(permissions_for(["developer"]))
    assert data["created_at"].endswith("Z")
    assert data["last_login"].endswith("Z")


def test_an_unknown_user_and_a_wrong_password_get_the_identical_refusal(
    anonymous: httpx.Client, alice: str
) -> None:
    unknown = login(anonymous, "mallory", PASSWORD)
    wrong = login(anonymous, "alice", "not the password")

    for response in (unknown, wrong):
        assert_error(response, 401, "UNAUTHORIZED")
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert unknown.json()["error"] == wrong.json()["error"]
    assert unknown.json()["error"]["details"] == {"issue": "Invalid username or password"}


def test_the_account_locks_after_max_login_attempts_until_an_admin_unlocks_it(
    client: httpx.Client, anonymous: httpx.Client, alice: str
) -> None:
    client.put("/v1/configuration", json={"security": {"max_login_attempts": 3}})
    statuses = [login(anonymous, "alice", "wrong password").status_code for _ in range(3)]
    assert statuses == [401, 401, 423]

    locked = login(anonymous, "alice", PASSWORD)
    assert_error(locked, 423, "ACCOUNT_LOCKED")
    assert "unlock" in locked.json()["error"]["message"]
    assert client.get(f"/v1/users/{alice}").json()["data"]["locked"] is True

    unlocked = client.post(f"/v1/users/{alice}/unlock")
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["data"]["locked"] is False
    assert login(anonymous, "alice", PASSWORD).status_code == 200


@pytest.mark.both_stores  # freshness reads per-dialect log SQL
def test_refresh_rotates_and_reusing_a_spent_token_revokes_the_whole_family(
    anonymous: httpx.Client, alice: str
) -> None:
    first = tokens(anonymous, "alice")
    second = anonymous.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    newest = second.json()["data"]
    assert set(newest) == set(first)
    assert newest["refresh_token"] != first["refresh_token"]
    assert claims(newest["access_token"])["sid"] == claims(first["access_token"])["sid"]
    assert anonymous.get("/v1/auth/me", headers=bearer(newest["access_token"])).status_code == 200

    reused = anonymous.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_error(reused, 401, "UNAUTHORIZED")
    assert "already used" in reused.json()["error"]["details"]["issue"]

    again = anonymous.post("/v1/auth/refresh", json={"refresh_token": newest["refresh_token"]})
    assert_error(again, 401, "UNAUTHORIZED")
    me = anonymous.get("/v1/auth/me", headers=bearer(newest["access_token"]))
    assert_error(me, 401, "UNAUTHORIZED")


@pytest.mark.both_stores  # freshness reads per-dialect log SQL
def test_logout_ends_the_session_for_its_access_and_refresh_tokens(
    anonymous: httpx.Client, alice: str
) -> None:
    session = tokens(anonymous, "alice")
    other = tokens(anonymous, "alice")  # a second login is a separate session
    headers = bearer(session["access_token"])
    assert anonymous.get("/v1/auth/me", headers=headers).status_code == 200

    out = anonymous.post("/v1/auth/logout", headers=headers)

    assert out.status_code == 200, out.text
    assert out.json()["data"]["status"] == "revoked"
    me = anonymous.get("/v1/auth/me", headers=headers)
    assert_error(me, 401, "UNAUTHORIZED")
    assert "log in again" in me.json()["error"]["details"]["issue"]
    refresh = anonymous.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert_error(refresh, 401, "UNAUTHORIZED")
    assert anonymous.get("/v1/auth/me", headers=bearer(other["access_token"])).status_code == 200


@pytest.mark.both_stores  # freshness reads per-dialect log SQL
def test_disabling_a_user_refuses_their_live_token_and_their_next_login(
    client: httpx.Client, anonymous: httpx.Client, alice: str
) -> None:
    access = tokens(anonymous, "alice")["access_token"]
    assert client.post(f"/v1/users/{alice}/disable").json()["data"]["status"] == "disabled"

    assert_error(anonymous.get("/v1/tasks", headers=bearer(access)), 401, "UNAUTHORIZED")
    assert_error(login(anonymous, "alice"), 403, "FORBIDDEN")
    client.post(f"/v1/users/{alice}/enable")
    assert login(anonymous, "alice").status_code == 200


@pytest.mark.both_stores  # freshness reads per-dialect log SQL
def test_a_revoked_role_stops_working_on_a_token_issued_before(
    client: httpx.Client, anonymous: httpx.Client, alice: str
) -> None:
    headers = bearer(tokens(anonymous, "alice")["access_token"])
    assert anonymous.post("/v1/tasks", json={"title": "t"}, headers=headers).status_code == 201

    assert client.delete(f"/v1/users/{alice}/roles/developer").status_code == 200

    refused = anonymous.post("/v1/tasks", json={"title": "t"}, headers=headers)
    assert_error(refused, 403, "FORBIDDEN")
    assert refused.json()["error"]["details"]["issue"] == "Requires the create_task permission"


def test_an_unsigned_alg_none_token_and_one_signed_with_another_key_are_refused(
    kyros: Kyros, anonymous: httpx.Client, alice: str
) -> None:
    access = tokens(anonymous, "alice")["access_token"]
    for forged in (alg_none(access), signed_with_another_key(kyros, access)):
        response = anonymous.get("/v1/tasks", headers=bearer(forged))
        assert_error(response, 401, "UNAUTHORIZED")
        assert response.json()["error"]["details"]["issue"] == "Invalid access token"


def test_an_expired_token_is_refused_saying_it_expired(
    kyros: Kyros, anonymous: httpx.Client, alice: str
) -> None:
    old = expired(kyros, tokens(anonymous, "alice")["access_token"])
    response = anonymous.get("/v1/tasks", headers=bearer(old))
    assert_error(response, 401, "UNAUTHORIZED")
    assert "expired" in response.json()["error"]["details"]["issue"]


def test_a_refresh_token_is_not_an_access_token_and_vice_versa(
    anonymous: httpx.Client, alice: str
) -> None:
    session = tokens(anonymous, "alice")
    as_access = anonymous.get("/v1/tasks", headers=bearer(session["refresh_token"]))
    assert_error(as_access, 401, "UNAUTHORIZED")
    as_refresh = anonymous.post("/v1/auth/refresh", json={"refresh_token": session["access_token"]})
    assert_error(as_refresh, 401, "UNAUTHORIZED")


# --- bad input: always a 4xx envelope, never a 500 ----------------------------------------


@pytest.mark.parametrize(
    ("content", "headers", "status", "field"),
    [
        ('{"username": "alice", "password": "x"}', {"Content-Type": "application/json"}, 415, None),
        ("username=alice&password=x", {"Content-Type": "text/plain"}, 415, None),
        ("username=alice&password=x", {}, 415, None),
        ("username=alice", FORM, 422, "password"),
        ("password=x", FORM, 422, "username"),
        ("username=&password=x", FORM, 422, "username"),
        ("username=alice&username=bob&password=x", FORM, 422, "username"),
        ("username=%ff%fe&password=x", FORM, 422, "body"),
        ("&".join(f"f{i}=1" for i in range(50)), FORM, 422, "body"),
        (f"username=alice&password={'x' * 2000}", FORM, 422, "password"),
    ],
    ids=[
        "json",
        "text",
        "no-type",
        "no-password",
        "no-username",
        "empty-username",
        "twice",
        "bad-utf8",
        "too-many-fields",
        "long-password",
    ],
)
def test_bad_login_bodies_are_4xx_envelopes(
    anonymous: httpx.Client, content: str, headers: dict[str, str], status: int, field: str | None
) -> None:
    response = anonymous.post("/v1/auth/login", content=content, headers=headers)
    code = "UNSUPPORTED_MEDIA_TYPE" if status == 415 else "VALIDATION_ERROR"
    assert_error(response, status, code, field=field)


@pytest.mark.parametrize(
    "content",
    ["refresh_token=abc", "{}", '{"refresh_token": ""}', '{"refresh_token": 5}', "[]"],
    ids=["form", "empty-object", "empty-token", "number", "array"],
)
def test_bad_refresh_bodies_are_422(anonymous: httpx.Client, content: str) -> None:
    response = anonymous.post(
        "/v1/auth/refresh", content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    x y"},
        {"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9"},
        {"Authorization": "Bearer " + "a" * 60_000},
        {"Authorization": "Bearer kyk_00000000_" + "A" * 43},
        {"X-API-Key": "nonsense"},
        {"X-API-Key": "kyk_00000000_" + "A" * 43, "Authorization": "Bearer x"},
    ],
    ids=[
        "empty",
        "blank",
        "basic",
        "junk",
        "truncated",
        "oversized",
        "unknown-key",
        "bad-x-api-key",
        "both",
    ],
)
def test_malformed_credentials_are_401_envelopes(
    anonymous: httpx.Client, headers: dict[str, str]
) -> None:
    response = anonymous.get("/v1/tasks", headers=headers)
    assert_error(response, 401, "UNAUTHORIZED")


def test_a_truncated_token_of_a_real_session_is_refused(
    anonymous: httpx.Client, alice: str
) -> None:
    access = tokens(anonymous, "alice")["access_token"]
    for cut in (1, 10, 50):
        response = anonymous.get("/v1/tasks", headers=bearer(access[:-cut]))
        assert_error(response, 401, "UNAUTHORIZED")


def test_liveness_readiness_and_the_docs_need_no_credentials(anonymous: httpx.Client) -> None:
    for path in ("/v1/health/live", "/v1/health/ready", "/v1/schema/openapi.json"):
        assert anonymous.get(path).status_code == 200, path
    assert anonymous.get("/v1/health/ready").json()["data"] == {"status": "ready"}


def test_no_password_or_token_reaches_the_logs(
    anonymous: httpx.Client, alice: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session = tokens(anonymous, "alice")
    anonymous.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    login(anonymous, "alice", "a wrong password")
    logged = caplog.text
    for secret in (PASSWORD, "a wrong password", session["access_token"], session["refresh_token"]):
        assert secret not in logged
