"""The README's auditor walkthrough, taken from README.md itself and run against a real server:
who approved a premium escalation, what its task looked like then, and an offline proof."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.builders.http import create_task
from tests.e2e.test_cli import kyros_env
from tests.fanout.conftest import FAST
from tests.fanout.helpers import eventually
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores

ROOT = Path(__file__).resolve().parents[2]
SECURE = {
    "title": "Implement OAuth2 login with SAML and JWT session tokens",
    "files_to_modify": ["auth/oauth2.py"],
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Checkpoints every 3 events, so one soon covers the approval."""
    return msgspec.structs.replace(settings, audit_checkpoint_events=3, **FAST)


def walkthrough() -> str:
    """The one python block of the README's walkthrough section."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Walkthrough: who approved this premium escalation") :]
    section = section[: section.index("\n## ")]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return block


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def premium_approved(kyros: Kyros, base_url: str, client: httpx.Client) -> tuple[str, str, str]:
    """A premium-routed task approved by a named approver key; (escalation, task, approver)."""
    approver = make_api_key(kyros, "approver", name="night-approver")
    task = create_task(client, **SECURE)
    submitted = ok(client.post("/v1/agents/implementer/submit", json={"task_id": task["id"]}), 202)
    escalation_id = submitted["escalation"]["escalation_id"]
    decision = {"decision": "approved", "reason": "Security-critical", "approver_comments": "Go"}
    headers = {"Authorization": f"Bearer {approver.key}"}
    with http_client(base_url=base_url, timeout=30, headers=headers) as http:
        ok(http.post(f"/v1/escalation/{escalation_id}/approve", json=decision))
    return escalation_id, task["id"], approver.id


def test_the_readme_walkthrough_names_the_approver_shows_the_task_then_and_verifies_offline(
    kyros: Kyros, settings: Settings, base_url: str, client: httpx.Client, tmp_path: Path
) -> None:
    escalation_id, task_id, approver = premium_approved(kyros, base_url, client)
    renamed = client.put(f"/v1/tasks/{task_id}", json={"title": "Renamed after the approval"})
    assert renamed.status_code == 200, renamed.text
    for n in range(3):  # enough later events for a signed checkpoint past the approval
        create_task(client, title=f"later {n}")
    approved = ok(client.get("/v1/events", params={"type": "escalation.approved"}))["events"]

    def covered() -> bool | None:
        newest = ok(client.get("/v1/audit/checkpoints", params={"limit": 1}))["checkpoints"]
        return (bool(newest) and newest[0]["position"] >= approved[0]["position"]) or None

    eventually(covered)
    (tmp_path / "walkthrough.py").write_text(walkthrough())
    (tmp_path / "scripts").symlink_to(ROOT / "scripts")
    auditor = make_api_key(kyros, "auditor", name="auditor")
    extra = {"KYROS_DATABASE_URL": settings.database_url} if settings.database_url else {}
    env = kyros_env(settings.data_dir, KYROS_URL=base_url, AUDITOR_KEY=auditor.key, **extra)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"

    ran = subprocess.run(
        [sys.executable, "walkthrough.py", escalation_id],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0].startswith(f"approved by {approver} at ")
    assert "api_key.created" in lines[1] and "night-approver" in lines[1]
    history = [line.split()[2:] for line in lines if " task." in line]
    assert history[0] == ["task.created", "by", history[0][-1]]
    assert ["task.requeued", "by", approver] in history  # the approval released it to the queue
    assert history[-1][0] == "task.updated"  # the rename after it
    (then,) = [line for line in lines if line.startswith("then:")]
    assert then.startswith(f"then: {SECURE['title']} | awaiting_approval |")  # as it was decided
    assert "'pending_approval'" in then
    assert "signed checkpoints verify" in ran.stdout
    assert (tmp_path / "audit.jsonl").stat().st_size > 0
