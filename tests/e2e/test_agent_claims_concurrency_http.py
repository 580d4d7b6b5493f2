"""Many agents claiming at once on PostgreSQL: every submission goes to exactly one of them."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, submit
from tests.e2e.helpers import get_task

CLAIMERS, SUBMISSIONS = 8, 5
pytestmark = pytest.mark.postgres


@pytest.fixture
def store() -> str:
    return "postgres"


def test_eight_concurrent_claimers_take_each_of_five_submissions_exactly_once(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    tasks = [create_task(client, title=f"Task {i}", assignee_role="implementer") for i in range(5)]
    submissions = {submit(client, t["id"])["submission_id"]: t["id"] for t in tasks}
    barrier = threading.Barrier(CLAIMERS)
    won: dict[str, list[dict[str, Any]]] = {}
    failures: list[BaseException] = []

    def claimer(index: int) -> None:
        try:
            with agent_client(kyros, base_url, f"claimer-{index}") as agent:
                agent_id = register_agent(agent, capacity=SUBMISSIONS)
                won[agent_id] = []
                barrier.wait(timeout=30)
                while (held := claim(agent, agent_id, wait=1)) is not None:
                    won[agent_id].append(held)
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures

    claims = Counter(h["submission_id"] for held in won.values() for h in held)
    assert claims == Counter(dict.fromkeys(submissions, 1))
    for agent_id, held in won.items():
        for h in held:
            task = get_task(client, submissions[h["submission_id"]])
            assert (task["status"], task["assigned_to"]) == ("in_progress", agent_id)
            assert task["version"] == 3  # created, submitted, assigned: one claim each
