"""kyrosctl's commands in both output modes, its profiles and its exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from kyros_client import Kyros
from kyros_client.cli.main import main

from kyros.bootstrap import Kyros as Server
from tests.builders.commands import Credential, make_api_key


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "kyros" / "profiles.json"
    monkeypatch.setenv("KYROSCTL_CONFIG", str(path))
    return path


def ctl(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_api_key_login_is_saved_owner_only_and_lists_tasks_for_people_and_scripts(
    base_url: str,
    admin: Credential,
    sdk: Kyros,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    task = sdk.tasks.create(title="Shown in a table", priority="high")
    code, out, _ = ctl(
        capsys, monkeypatch, "login", "--url", base_url, "--api-key-stdin", stdin=admin.key + "\n"
    )
    assert code == 0 and "admin" in out
    assert config.stat().st_mode & 0o777 == 0o600
    assert json.loads(config.read_text())["profiles"]["default"]["api_key"] == admin.key
    code, out, _ = ctl(capsys, monkeypatch, "tasks", "ls")
    header, row = out.splitlines()
    assert code == 0 and header.split() == [
        "ID",
        "STATUS",
        "PRIORITY",
        "TYPE",
        "ASSIGNEE_ROLE",
        "TITLE",
    ]
    assert row.split()[:3] == [task.id, "pending", "high"]
    code, out, _ = ctl(capsys, monkeypatch, "tasks", "ls", "--json")
    assert code == 0 and [t["id"] for t in json.loads(out)] == [task.id]
    code, out, _ = ctl(capsys, monkeypatch, "tasks", "show", task.id, "--json")
    assert json.loads(out)["title"] == "Shown in a table"


def test_a_password_login_keeps_a_session_not_the_password(
    base_url: str,
    sdk: Kyros,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sdk.users.create(username="erin", password="a long enough password", roles=["developer"])
    code, _, err = ctl(
        capsys,
        monkeypatch,
        "login",
        "--url",
        base_url,
        "--username",
        "erin",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert code == 0, err
    saved = config.read_text()
    assert (
        "a long enough password" not in saved
        and json.loads(saved)["profiles"]["default"]["refresh_token"]
    )
    code, out, _ = ctl(capsys, monkeypatch, "tasks", "create", "From the shell", "--tag", "cli")
    assert code == 0 and sdk.tasks.get(out.strip()).tags == ["cli"]
    code, out, _ = ctl(capsys, monkeypatch, "logout")
    assert code == 0 and "default" not in json.loads(config.read_text())["profiles"]


def test_failures_exit_with_a_code_and_name_the_error(
    base_url: str,
    admin: Credential,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = ctl(capsys, monkeypatch, "tasks", "ls")
    assert code == 4 and "not logged in" in err
    ctl(capsys, monkeypatch, "login", "--url", base_url, "--api-key-stdin", stdin=admin.key)
    code, out, err = ctl(
        capsys, monkeypatch, "tasks", "show", "task_01J0000000000000000000000", "--json"
    )
    assert (
        code == 1
        and "TASK_NOT_FOUND" in err
        and json.loads(out)["error"]["code"] == "TASK_NOT_FOUND"
    )
    code, _, err = ctl(capsys, monkeypatch, "tasks", "create", "x" * 300)
    assert code == 1 and "VALIDATION_ERROR" in err and "(title)" in err
    code, _, err = ctl(capsys, monkeypatch, "tasks", "ls", "--url", "http://127.0.0.1:9")
    assert code == 3 and "CONNECTION_FAILED" in err
    with pytest.raises(SystemExit) as usage:
        main(["tasks", "frobnicate"])
    assert usage.value.code == 2


def test_escalations_costs_budgets_and_completion(
    base_url: str,
    admin: Credential,
    kyros: Server,
    sdk: Kyros,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctl(capsys, monkeypatch, "login", "--url", base_url, "--api-key-stdin", stdin=admin.key)
    with Kyros(base_url, api_key=make_api_key(kyros, "developer", name="dev").key) as developer:
        task = developer.tasks.create(title="Rotate the signing keys", tags=["security"])
        opened = developer.escalations.submit(task_id=task.id, reason="Touches authentication")
    code, out, _ = ctl(capsys, monkeypatch, "escalations", "ls", "--status", "pending")
    assert code == 0 and opened.escalation_id in out
    code, out, err = ctl(
        capsys, monkeypatch, "escalations", "approve", opened.escalation_id, "--comment", "ok"
    )
    assert code == 0 and out.split() == [opened.escalation_id, "approved"], err
    sdk.budgets.create(name="monthly team", period="monthly", limit="100")
    code, out, _ = ctl(capsys, monkeypatch, "budgets")
    assert code == 0 and "monthly team" in out
    code, out, _ = ctl(capsys, monkeypatch, "costs", "--json")
    assert code == 0 and "total_cost" in json.loads(out)
    code, out, _ = ctl(capsys, monkeypatch, "completion", "bash")
    assert code == 0 and "complete -F _kyrosctl kyrosctl" in out and '"tasks") words="' in out


def test_events_tail_prints_what_happened_after_a_position(
    base_url: str,
    admin: Credential,
    sdk: Kyros,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctl(capsys, monkeypatch, "login", "--url", base_url, "--api-key-stdin", stdin=admin.key)
    start = sdk.tasks.create(title="before the tail")
    since = str(sdk.session.position)
    sdk.tasks.cancel(start.id, reason="seen by the tail")
    code, out, err = ctl(
        capsys,
        monkeypatch,
        "events",
        "tail",
        "--types",
        "task_status",
        "--since",
        since,
        "--count",
        "1",
        "--json",
    )
    assert code == 0, err
    event = json.loads(out)
    assert event["type"] == "task_status" and event["data"]["status"] == "cancelled"
    assert event["position"] > int(since)
