"""`kyros agents run` as an operator runs it: a real process, stopped by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.runner.protocol_double import AGENT_KEY, WorkerProtocolDouble
from tests.runner.test_runner_protocol import TASK


def environment(**extra: str) -> dict[str, str]:
    """No provider keys from the developer's shell: the run must be offline and simulated."""
    dropped = ("KYROS_", "GLM_", "ANTHROPIC_", "OPENAI_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return {**env, **extra}


@pytest.fixture
def double() -> Iterator[WorkerProtocolDouble]:
    with WorkerProtocolDouble() as instance:
        yield instance


def test_without_the_agent_key_the_command_says_what_to_set():
    result = subprocess.run(
        [sys.executable, "-m", "kyros", "agents", "run", "--role", "critic"],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "KYROS_AGENT_KEY is not set" in result.stderr
    assert "--role agent" in result.stderr


def test_the_command_does_work_and_stops_cleanly_on_sigterm(double):
    double.offer(TASK, role="architect")
    command = [sys.executable, "-m", "kyros", "agents", "run", "--role", "architect"]
    options = ["--concurrency", "2", "--url", double.url, "--api-key-env", "RUNNER_KEY"]
    process = subprocess.Popen(
        [*command, *options],
        env=environment(RUNNER_KEY=AGENT_KEY),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        (done,) = double.wait_for("complete", timeout=60)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, stderr
    assert done.body["results"]["simulated"] is True
    assert double.of_kind("register")[0].body["capacity"] == 2
    assert "SIGTERM: finishing in-flight work" in stderr
    assert AGENT_KEY not in stderr
