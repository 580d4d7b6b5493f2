"""`kyros users` and `kyros keys`, run as an operator would, against a live `kyros serve`."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from tests.e2e.test_cli import run_cli, serving

PASSWORD = "a long enough password"


def add(data_dir: Path, username: str, *roles: str) -> str:
    options = [arg for role in roles for arg in ("--role", role)]
    result = run_cli(
        data_dir, "users", "add", username, *options, "--init", "--password-stdin", stdin=PASSWORD
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def user_row(data_dir: Path, username: str) -> str:
    listed = run_cli(data_dir, "users", "list")
    assert listed.returncode == 0, listed.stderr
    return next(line for line in listed.stdout.splitlines() if f" {username} " in line)


def test_users_add_grant_revoke_and_disable_show_in_the_list(tmp_path: Path) -> None:
    user_id = add(tmp_path, "Carol", "developer")
    assert user_id.startswith("user_")
    assert "developer" in user_row(tmp_path, "carol")

    assert run_cli(tmp_path, "users", "grant", "carol", "approver").returncode == 0
    assert run_cli(tmp_path, "users", "revoke", user_id, "developer").returncode == 0
    assert run_cli(tmp_path, "users", "disable", "carol").returncode == 0

    row = user_row(tmp_path, "carol")
    assert "approver" in row
    assert "developer" not in row
    assert "disabled" in row


def test_users_cli_refusals_are_one_line_errors(tmp_path: Path) -> None:
    short = run_cli(tmp_path, "users", "add", "dave", "--init", "--password-stdin", stdin="short")
    assert short.returncode == 1
    assert "password: Must be between 8 and 1024 characters" in short.stderr
    add(tmp_path, "dave")
    again = run_cli(tmp_path, "users", "add", "DAVE", "--password-stdin", stdin=PASSWORD)
    assert again.returncode == 1
    assert "already taken" in again.stderr
    unknown = run_cli(tmp_path, "users", "grant", "nobody", "viewer")
    assert unknown.returncode == 1
    assert "no user named 'nobody'" in unknown.stderr
    bad_role = run_cli(tmp_path, "users", "grant", "dave", "superuser")
    assert bad_role.returncode == 2


def test_a_user_added_with_the_cli_logs_in_to_a_running_server_until_disabled(
    tmp_path: Path,
) -> None:
    with serving(tmp_path) as served:
        add(tmp_path, "erin", "viewer")
        form = {"username": "erin", "password": PASSWORD}
        login = httpx.post(f"{served.url}/v1/auth/login", data=form, timeout=10)
        assert login.status_code == 200, login.text
        assert run_cli(tmp_path, "users", "disable", "erin").returncode == 0
        refused = httpx.post(f"{served.url}/v1/auth/login", data=form, timeout=10)
        assert refused.status_code == 403


def test_a_cli_key_is_printed_once_listed_by_prefix_and_refused_once_revoked(
    tmp_path: Path,
) -> None:
    created = run_cli(
        tmp_path, "keys", "create", "--name", "ci-runner", "--role", "developer", "--init"
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("kyk_")
    key_id = re.search(r"key_[0-9A-Z]{26}", created.stderr).group(0)  # type: ignore[union-attr]
    listed = run_cli(tmp_path, "keys", "list")
    assert key.split("_")[1] in listed.stdout  # the prefix
    assert key not in listed.stdout
    assert key[len("kyk_") + 9 :] not in listed.stdout

    with serving(tmp_path) as served:
        for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
            response = httpx.post(
                f"{served.url}/v1/tasks", json={"title": "by CLI key"}, headers=headers, timeout=10
            )
            assert response.status_code == 201, response.text
        assert run_cli(tmp_path, "keys", "revoke", key_id).returncode == 0
        deadline = time.monotonic() + 10  # the server's read model follows the log by polling
        while (status := _status(served.url, key)) != 401 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status == 401


def _status(url: str, key: str) -> int:
    return httpx.get(f"{url}/v1/tasks", headers={"X-API-Key": key}, timeout=10).status_code
