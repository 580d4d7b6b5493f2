"""Fifty submissions at once against a nearly spent hard budget, on PostgreSQL, over HTTP."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.commands.spending import budget_book, current_ledger
from tests.builders.commands import make_budget
from tests.builders.http import create_task
from tests.e2e.agent_helpers import submit
from tests.http_client import http_client

SUBMITTERS = 50
pytestmark = pytest.mark.postgres


@pytest.fixture
def store() -> str:
    return "postgres"


def test_committed_spend_never_passes_a_hard_budget_under_fifty_concurrent_submissions(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    fields = {"title": "Rename a helper", "files_to_modify": ["util.py"]}
    estimate = Decimal(str(submit(client, create_task(client, **fields)["id"])["estimated_cost"]))
    limit = (estimate * Decimal("3.5")).quantize(Decimal("0.01"))  # room for three, not four
    fits = int(limit // estimate)
    budget_id = make_budget(kyros.app, limit, name="daily")
    tasks = [create_task(client, **fields)["id"] for _ in range(SUBMITTERS)]
    barrier = threading.Barrier(SUBMITTERS)
    outcomes: list[tuple[int, str]] = []
    failures: list[BaseException] = []

    def submitter(task_id: str) -> None:
        try:
            with http_client(base_url=base_url, headers=client.headers, timeout=120) as own:
                barrier.wait(timeout=30)
                response = own.post("/v1/agents/implementer/submit", json={"task_id": task_id})
                body: dict[str, Any] = response.json()
                code = "" if body["success"] else body["error"]["code"]
                outcomes.append((response.status_code, code))
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=submitter, args=(t,)) for t in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not failures, failures

    assert Counter(outcomes) == {(202, ""): fits, (409, "BUDGET_EXCEEDED"): SUBMITTERS - fits}
    book = budget_book(kyros.app)
    assert book is not None
    ledger = current_ledger(kyros.app, budget_id, book.get(budget_id), datetime.now(UTC))
    assert len(ledger.reserved) == fits
    assert ledger.committed == fits * estimate <= limit
