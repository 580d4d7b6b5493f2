"""The README's what-if snippets, taken from README.md itself and run against a seeded history."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import Credential
from tests.e2e.analytics_history import EventClock, event_clock, figures, seed_history
from tests.e2e.test_cli import kyros_env

pytestmark = pytest.mark.both_stores

__all__ = ["event_clock"]  # a fixture, imported for these tests

README = Path(__file__).resolve().parents[2] / "README.md"
ACTUAL, ON_CLAUDE = D("3.05"), D("55.80")  # see test_monitoring_costs_http.py


def snippets(language: str) -> list[str]:
    """The fenced `language` blocks of the README's "### What-if" section."""
    text = README.read_text()
    section = text[text.index("### What-if\n") :]
    section = section[: section.index("\n## ")]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def test_the_readme_command_compares_two_default_models_against_the_actual_work(
    kyros: Kyros,
    settings: Settings,
    base_url: str,
    client: httpx.Client,
    admin: Credential,
    event_clock: EventClock,
    tmp_path: Path,
) -> None:
    seed_history(kyros, base_url, client, admin, event_clock)
    (scenarios,) = snippets("toml")
    (command,) = [line for line in snippets("sh")[0].splitlines() if line.startswith("kyros ")]
    (tmp_path / "compare.toml").write_text(scenarios)
    extra = {"KYROS_DATABASE_URL": settings.database_url} if settings.database_url else {}
    ran = subprocess.run(
        [sys.executable, "-m", *shlex.split(command)],
        cwd=tmp_path,
        env=kyros_env(settings.data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    answer: dict[str, Any] = json.loads(ran.stdout, parse_float=D)
    assert answer["actual"]["total_cost"] == ACTUAL
    same, claude = answer["scenarios"]
    assert (same["name"], same["total_cost"], same["savings"]) == ("glm-4.5 default", ACTUAL, 0)
    assert (claude["name"], claude["total_cost"]) == ("claude default", ON_CLAUDE)
    assert claude["savings"] == ACTUAL - ON_CLAUDE


def test_the_readme_request_body_is_answered_for_its_calendar_month(
    kyros: Kyros, client: httpx.Client
) -> None:
    (body,) = snippets("json")
    answer = figures(client.post("/v1/analysis/what-if", json=json.loads(body)))
    assert answer["period"] == {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
    assert [run["name"] for run in answer["scenarios"]] == ["glm-4.5 default", "claude default"]
