"""`kyros analyze what-if` run as a process on a real store: options, files and refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.e2e.test_cli import kyros_env


def analyze(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyros", "analyze", "what-if", *args],
        env=kyros_env(settings.data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_scenario_from_options_prints_a_table_of_actual_and_scenario_costs_and_writes_nothing(
    kyros: Kyros, settings: Settings
) -> None:
    before = kyros.app.head()
    ran = analyze(settings, "--default-model", "claude-4.1-opus", "--name", "opus")
    assert ran.returncode == 0, ran.stderr
    assert kyros.app.head() == before  # read-only
    assert "actual" in ran.stdout
    assert "opus" in ran.stdout


def test_scenarios_from_a_json_file_answer_as_json_for_the_period_given(
    kyros: Kyros, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "scenarios.json"
    scenarios = [{"name": "live"}, {"name": "dear", "prices": {"glm-4.5": {"input_per_1k": 1}}}]
    path.write_text(json.dumps({"scenarios": scenarios, "from": "2026-10-01"}))
    ran = analyze(settings, "--scenarios", str(path), "--to", "2026-11-01", "--json")
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["period"] == {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
    assert [run["name"] for run in answer["scenarios"]] == ["live", "dear"]


def test_bad_scenarios_are_refused_naming_what_is_wrong(
    kyros: Kyros, settings: Settings, tmp_path: Path
) -> None:
    unknown = analyze(settings, "--default-model", "gpt-9")
    assert unknown.returncode == 1
    assert "scenarios[0].routing.default_model" in unknown.stderr
    many = tmp_path / "many.toml"
    many.write_text("".join(f'[[scenarios]]\nname = "s{i}"\n' for i in range(11)))
    refused = analyze(settings, "--scenarios", str(many))
    assert refused.returncode == 2
    assert "at most 10 scenarios" in refused.stderr
    backwards = analyze(
        settings, "--default-model", "glm-4.5", "--from", "2026-11-02", "--to", "2026-11-01"
    )
    assert backwards.returncode == 1
    assert "to: Must be after from" in backwards.stderr
    assert analyze(settings).returncode == 2  # no scenario at all
