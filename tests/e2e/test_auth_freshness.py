"""Authentication never trusts a lagging read model: what the log says is honoured at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import IssueApiKey, RevokeApiKey, issue_api_key, revoke_api_key
from kyros.commands.sessions import LogOut, log_out
from kyros.commands.users import (
    ChangeRole,
    UserAction,
    disable_user,
    enable_user,
    grant_role,
    revoke_role,
)
from kyros.settings import Settings
from tests.builders.commands import PASSWORD, make_api_key, make_user
from tests.conftest import LiveServer, _empty_schema
from tests.e2e.auth_helpers import bearer, claims, tokens
from tests.e2e.helpers import assert_error
from tests.fanout.processes import JWT_SECRET, Server
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores  # freshness reads the log with per-dialect SQL

REPEATS = 20


@pytest.fixture
def stuck_url(kyros: Kyros) -> Iterator[str]:
    """A server whose read models never move: its projection workers do not run."""
    with LiveServer(kyros, run_workers=False) as url:
        yield url


def status(http: httpx.Client, credential: str, path: str = "/v1/tasks") -> int:
    return http.get(path, headers=bearer(credential)).status_code


def test_a_key_issued_without_waiting_works_on_the_very_next_request(
    kyros: Kyros, base_url: str
) -> None:
    with http_client(base_url=base_url, timeout=10) as http:
        for n in range(REPEATS):
            issued = issue_api_key(
                kyros.app, IssueApiKey(name=f"agent-{n}", role="agent", actor="test")
            )
            assert status(http, issued.key.plaintext) == 200, n


def test_a_key_made_by_the_cli_process_works_on_the_very_next_request(
    kyros: Kyros, settings: Settings, base_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    env["KYROS_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["KYROS_DATABASE_URL"] = settings.database_url
    with http_client(base_url=base_url, timeout=10) as http:
        for n in range(3):
            made = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "kyros",
                    "keys",
                    "create",
                    f"--name=cli-{n}",
                    "--role=agent",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
            assert status(http, made.stdout.strip()) == 200, n


def test_with_read_models_stuck_a_revoked_key_is_refused_and_a_new_key_works(
    kyros: Kyros, stuck_url: str
) -> None:
    """Keys made with random ids (before ids derived from prefixes) are projected ones."""
    kept = make_api_key(kyros, "developer")
    projected = make_api_key(kyros, "developer")  # the read model knows both
    with http_client(base_url=stuck_url, timeout=10) as http:
        assert status(http, projected.key) == 200
        revoke_api_key(kyros.app, RevokeApiKey(key_id=projected.id, actor="test"))
        refused = http.get("/v1/tasks", headers={"X-API-Key": projected.key})
        assert_error(refused, 401, "UNAUTHORIZED", issue="Invalid or revoked API key")
        assert status(http, kept.key) == 200  # read from the log, found through the read model

        issued = issue_api_key(kyros.app, IssueApiKey(name="fresh", role="developer", actor="test"))
        assert status(http, issued.key.plaintext) == 200
        assert http.get("/v1/tasks", headers={"X-API-Key": issued.key.plaintext}).status_code == 200
        assert status(http, issued.key.plaintext, "/v1/users") == 403  # its role still applies
        revoke_api_key(kyros.app, RevokeApiKey(key_id=issued.id, actor="test"))
        assert status(http, issued.key.plaintext) == 401


def test_with_read_models_stuck_a_key_token_follows_the_log(kyros: Kyros, stuck_url: str) -> None:
    """The OAuth2 client-credentials grant issues an access token whose subject is the key."""
    issued = issue_api_key(kyros.app, IssueApiKey(name="svc", role="developer", actor="test"))
    with http_client(base_url=stuck_url, timeout=10) as http:
        granted = http.post(
            "/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": issued.key.prefix,
                "client_secret": issued.key.plaintext,
            },
        )
        assert granted.status_code == 200, granted.text
        token = granted.json()["data"]["access_token"]
        assert status(http, token) == 200
        revoke_api_key(kyros.app, RevokeApiKey(key_id=issued.id, actor="test"))
        assert status(http, token) == 401


def test_with_read_models_stuck_user_changes_in_the_log_are_honoured_at_once(
    kyros: Kyros, stuck_url: str
) -> None:
    user_id = make_user(kyros, "dana", ["developer", "admin"])  # never projected
    with http_client(base_url=stuck_url, timeout=10) as http:
        token = tokens(http, "dana")["access_token"]
        assert status(http, token, "/v1/users") == 200

        revoke_role(kyros.app, ChangeRole(user_id=user_id, role="admin", actor="test"))
        assert status(http, token, "/v1/users") == 403
        assert status(http, token) == 200
        grant_role(kyros.app, ChangeRole(user_id=user_id, role="admin", actor="test"))
        assert status(http, token, "/v1/users") == 200

        disable_user(kyros.app, UserAction(user_id=user_id, actor="test"))
        refused = http.get("/v1/tasks", headers=bearer(token))
        assert_error(refused, 401, "UNAUTHORIZED", issue="This account is disabled")
        enable_user(kyros.app, UserAction(user_id=user_id, actor="test"))
        assert status(http, token) == 200

        log_out(kyros.app, LogOut(family_id=claims(token)["sid"], actor="test"))
        refused = http.get("/v1/tasks", headers=bearer(token))
        assert_error(refused, 401, "UNAUTHORIZED", issue="This session has ended; log in again")


def test_with_read_models_caught_up_the_log_still_decides_after_a_change(
    kyros: Kyros, stuck_url: str
) -> None:
    """A read model that was current, then falls behind one revocation, is not trusted."""
    user_id = make_user(kyros, "erin", ["developer"])
    with http_client(base_url=stuck_url, timeout=10) as http:
        token = tokens(http, "erin")["access_token"]
        key = make_api_key(kyros, "developer")  # catches the api_keys read model up
        kyros.engine.catch_up("users", 500)
        kyros.engine.catch_up("token_families", 500)
        assert status(http, token) == 200
        assert status(http, key.key) == 200

        disable_user(kyros.app, UserAction(user_id=user_id, actor="test"))
        revoke_api_key(kyros.app, RevokeApiKey(key_id=key.id, actor="test"))
        assert status(http, token) == 401
        assert status(http, key.key) == 401


@pytest.mark.postgres
def test_a_second_process_honours_identity_changes_at_once(
    postgres_database: str, tmp_path: Path
) -> None:
    """Changes made through the API of one `kyros serve`, or by a third process through the
    command layer, hold on the very next request to the other `kyros serve`."""
    _empty_schema(postgres_database)
    settings = Settings(
        database_url=postgres_database, data_dir=tmp_path / "cli", jwt_secret=JWT_SECRET
    )
    env = {"KYROS_DATABASE_URL": postgres_database}
    with (
        Kyros(settings) as kyros,
        Server(tmp_path / "a", **env) as a,
        Server(tmp_path / "b", **env) as b,
        http_client(base_url=a.url, timeout=30) as on_a,
        http_client(base_url=b.url, timeout=30) as on_b,
    ):
        admin = bearer(
            issue_api_key(
                kyros.app, IssueApiKey(name="admin", role="admin", actor="t")
            ).key.plaintext
        )
        for n in range(5):
            user = {"username": f"user{n}", "password": PASSWORD, "roles": ["viewer"]}
            created = on_a.post("/v1/users", json=user, headers=admin)
            assert created.status_code == 201, created.text
            user_id = created.json()["data"]["id"]
            token = tokens(on_a, f"user{n}")["access_token"]
            assert status(on_b, token) == 200
            assert status(on_b, token, "/v1/users") == 403

            granted = on_a.post(f"/v1/users/{user_id}/roles", json={"role": "admin"}, headers=admin)
            assert granted.status_code == 200, granted.text
            assert status(on_b, token, "/v1/users") == 200
            grant_role(kyros.app, ChangeRole(user_id=user_id, role="auditor", actor="t"))
            revoke_role(kyros.app, ChangeRole(user_id=user_id, role="admin", actor="t"))
            assert status(on_b, token, "/v1/users") == 403
            disable_user(kyros.app, UserAction(user_id=user_id, actor="t"))
            assert status(on_a, token) == 401
            assert status(on_b, token) == 401

            made = on_a.post("/v1/api-keys", json={"name": f"k{n}", "role": "agent"}, headers=admin)
            assert made.status_code == 201, made.text
            assert status(on_b, made.json()["data"]["key"]) == 200
            issued = issue_api_key(kyros.app, IssueApiKey(name=f"c{n}", role="agent", actor="t"))
            assert status(on_a, issued.key.plaintext) == 200
            assert status(on_b, issued.key.plaintext) == 200
            revoke_api_key(kyros.app, RevokeApiKey(key_id=issued.id, actor="t"))
            assert status(on_a, issued.key.plaintext) == 401
            assert status(on_b, issued.key.plaintext) == 401
