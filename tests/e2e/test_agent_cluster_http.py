"""The worker protocol across two `kyros serve` processes on one PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.builders.http import create_task, register_agent
from tests.conftest import _empty_schema
from tests.e2e.agent_helpers import claim, submit
from tests.fanout.processes import JWT_SECRET, Server
from tests.http_client import http_client

pytestmark = pytest.mark.postgres
CLAIMERS, SUBMISSIONS = 8, 6


@pytest.fixture
def database(postgres_database: str) -> str:
    _empty_schema(postgres_database)
    return postgres_database


def keys(database: str, data_dir: Path, *roles: str) -> list[str]:
    """Made through the command layer before any server starts."""
    settings = Settings(database_url=database, data_dir=data_dir, jwt_secret=JWT_SECRET)
    with Kyros(settings) as kyros:
        return [make_api_key(kyros, role, name=f"{role}-{n}").key for n, role in enumerate(roles)]


def client(server: Server, key: str) -> httpx.Client:
    return http_client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=90)


def test_claimers_on_two_processes_take_each_submission_exactly_once(
    database: str, tmp_path: Path
) -> None:
    developer, *agents = keys(database, tmp_path / "cli", "developer", *["agent"] * CLAIMERS)
    env = {"KYROS_DATABASE_URL": database}
    with Server(tmp_path / "a", **env) as a, Server(tmp_path / "b", **env) as b:
        with client(a, developer) as dev:
            tasks = [
                create_task(dev, title=f"t{n}", assignee_role="implementer")
                for n in range(SUBMISSIONS)
            ]
            submitted = {submit(dev, t["id"])["submission_id"] for t in tasks}
        barrier = threading.Barrier(CLAIMERS)
        won: list[dict[str, Any]] = []
        failures: list[BaseException] = []

        def claimer(index: int) -> None:
            try:
                with client((a, b)[index % 2], agents[index]) as agent:
                    agent_id = register_agent(agent, capacity=SUBMISSIONS)
                    barrier.wait(timeout=30)
                    while (held := claim(agent, agent_id, wait=1)) is not None:
                        won.append(held)
            except BaseException as exc:  # reported in the test's thread
                failures.append(exc)

        threads = [threading.Thread(target=claimer, args=(i,)) for i in range(CLAIMERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not failures, failures
    assert Counter(h["submission_id"] for h in won) == Counter(dict.fromkeys(submitted, 1))


def test_a_claim_waiting_on_one_process_wakes_for_work_submitted_on_the_other(
    database: str, tmp_path: Path
) -> None:
    developer, agent_key = keys(database, tmp_path / "cli", "developer", "agent")
    env = {"KYROS_DATABASE_URL": database}
    with (
        Server(tmp_path / "a", **env) as a,
        Server(tmp_path / "b", **env) as b,
        client(a, developer) as dev,
        client(b, agent_key) as agent,
    ):
        agent_id = register_agent(agent)
        result: list[Any] = []
        waiter = threading.Thread(target=lambda: result.append(claim(agent, agent_id, wait=30)))
        waiter.start()
        time.sleep(1)
        task = create_task(dev, title="Across the cluster", assignee_role="implementer")
        submit(dev, task["id"])
        waiter.join(timeout=60)
    assert result and result[0] is not None
    assert result[0]["task_id"] == task["id"]
