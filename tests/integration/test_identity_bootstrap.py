"""First start: the signing secret and the first admin, on both stores."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from ulid import ULID

from kyros.bootstrap import Kyros, signing_secret
from kyros.commands.sessions import LogIn, log_in
from kyros.identity.tokens import InvalidToken
from kyros.queries.identity import list_users
from kyros.settings import Settings

pytestmark = pytest.mark.both_stores  # store-level: bootstrap against each store

NOW = datetime.now(UTC)


def _login(kyros: Kyros, username: str, password: str) -> str:
    family_id = ULID().to_uuid()
    command = LogIn(
        username=username, password=password, max_attempts=5, family_id=family_id, token_id="t1"
    )
    return log_in(kyros.app, command).user_id


def test_the_generated_signing_key_is_kept_in_the_data_dir_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh")
    first = signing_secret(settings)
    assert len(first) >= 32
    key_file = tmp_path / "fresh" / "jwt.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert signing_secret(settings) == first
    assert [p.name for p in key_file.parent.iterdir()] == ["jwt.key"]  # no drafts left behind


def test_tokens_survive_a_restart_and_a_configured_secret_is_shared_across_data_dirs(
    tmp_path: Path,
) -> None:
    with Kyros(Settings(data_dir=tmp_path)) as first:
        token = first.tokens.issue_access("user_1", [], NOW)
    with Kyros(Settings(data_dir=tmp_path)) as restarted:
        assert restarted.tokens.decode(token, "access", NOW).subject == "user_1"
    secret = "s" * 40
    with Kyros(Settings(data_dir=tmp_path / "a", jwt_secret=secret)) as one:
        shared = one.tokens.issue_access("user_2", [], NOW)
    with Kyros(Settings(data_dir=tmp_path / "b", jwt_secret=secret)) as two:
        assert two.tokens.decode(shared, "access", NOW).subject == "user_2"
    with Kyros(Settings(data_dir=tmp_path)) as other, pytest.raises(InvalidToken):
        other.tokens.decode(shared, "access", NOW)


def test_a_short_configured_secret_is_refused_without_repeating_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes") as refused:
        signing_secret(Settings(data_dir=tmp_path, jwt_secret="short-secret"))
    assert "short-secret" not in str(refused.value)


def test_settings_never_print_their_secrets() -> None:
    settings = Settings(jwt_secret="s" * 40, admin_password="hunter2hunter2")
    assert "s" * 40 not in repr(settings)
    assert "hunter2hunter2" not in repr(settings)


def test_the_first_start_creates_an_admin_with_a_generated_password_once(kyros: Kyros) -> None:
    password = kyros.ensure_admin()
    assert password is not None
    assert len(password) >= 16
    assert kyros.ensure_admin() is None
    users, total = list_users(kyros.db, 10, 0)
    assert total == 1
    assert (users[0]["username"], users[0]["roles"]) == ("admin", ["admin"])
    assert _login(kyros, "admin", password) == users[0]["id"]


def test_the_first_admin_comes_from_the_environment_when_given(kyros: Kyros) -> None:
    configured = msgspec.structs.replace(
        kyros.settings, admin_username="Root", admin_password="from the environment"
    )
    kyros.settings = configured
    assert kyros.ensure_admin() is None  # nothing generated, so nothing to show
    assert _login(kyros, "root", "from the environment").startswith("user_")


def test_no_admin_is_made_when_a_user_already_exists(kyros: Kyros) -> None:
    assert kyros.ensure_admin() is not None
    kyros.settings = msgspec.structs.replace(kyros.settings, admin_username="second")
    assert kyros.ensure_admin() is None
    assert list_users(kyros.db, 10, 0)[1] == 1
