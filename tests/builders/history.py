"""A realistic history of aggregates, saved in batches: read-model benchmarks and tests.

Tasks created, updated, budget-reserved, submitted, escalated (approved or withdrawn by a
cancellation), claimed by agents, progressed, completed with token usage or failed (some
retried); budget definitions changed and removed; performance tracking switched off and on;
one webhook endpoint subscribed to completions and failures.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from eventsourcing.domain import Aggregate
from ulid import ULID

from kyros.domain.agent import Agent
from kyros.domain.budget import BudgetBook, BudgetSpec
from kyros.domain.budget_ledger import BudgetLedger
from kyros.domain.configuration import DEFAULTS, Configuration
from kyros.domain.escalation import Escalation
from kyros.domain.task import Task
from kyros.domain.webhook import Webhook
from kyros.eventstore.application import KyrosApplication
from kyros.ids import public_id
from kyros.timefmt import now

BATCH = 200  # tasks per app.save: their events interleave in the log as a live system's do
MODELS = ("glm-4.5", "qwen3-coder", "claude-4.1-opus")
ROLES = ("implementer", "reviewer", "tester")
SEALED = "not-a-secret: nothing is ever delivered"


def _task(index: int) -> Task:
    return Task(
        task_id=ULID().to_uuid(),
        title=f"Benchmark task {index}",
        description="Implement the thing and prove it with tests.",
        task_type=("implementation", "review", "testing")[index % 3],
        priority=("low", "medium", "high", "critical")[index % 4],
        assignee_role=ROLES[index % 3],
        files_to_modify=["kyros/eventstore/application.py"],
        acceptance_criteria=["tests pass"],
        dependencies=[],
        tags=["bench", f"t{index % 7}"],
        deadline=None,
        metadata={"estimated_hours": 2},
        actor="user_bench",
    )


def _escalation(task_id: str, model: str) -> Escalation:
    return Escalation(
        escalation_id=uuid.uuid4(),
        task_id=task_id,
        original_model=model,
        target_model=MODELS[2],
        fallback_model=model,
        reason="complex",
        context={"why": "bench"},
        estimated_cost=Decimal("0.50"),
        priority="high",
        confidence=0.9,
        expires_at=now() + timedelta(hours=1),
        actor="user_bench",
    )


def _life(
    index: int, task: Task, agent: Agent, ledger: BudgetLedger, spec: BudgetSpec
) -> list[Aggregate]:
    """One task's whole story; returns the other aggregates it created (escalations)."""
    task_id = public_id("task", task.id)
    role, model = ROLES[index % 3], MODELS[index % 2]
    created: list[Aggregate] = []
    if index % 3 == 0:
        task.update({"priority": "high", "tags": ["bench", "seeded"]}, actor="user_bench")
    amount = Decimal("0.05")
    ledger.reserve(task_id=task_id, amount=amount, spec=spec, alert_ids=[])
    task.reserve_cost(ledgers=[str(ledger.id)], amount=amount, model=model, actor="system")
    submission = f"sub_{ULID()}"
    task.submit(
        submission_id=submission,
        role=role,
        model=model,
        premium=False,
        estimated_cost=amount,
        estimated_duration=60,
        waiting_on=[],
        actor="user_bench",
    )
    if index % 13 == 6:  # cancelled while its escalation waits: withdrawn
        escalation = _escalation(task_id, model)
        task.request_escalation(
            escalation_id=public_id("esc", escalation.id), model=MODELS[2], actor="user_bench"
        )
        task.cancel(reason="not needed", actor="user_bench")
        escalation.withdraw(reason="task cancelled", actor="user_bench")
        ledger.release(task_id=task_id, reason="cancelled")
        task.close_reservation(outcome="released", actual=None, actor="system")
        return [escalation]
    if index % 10 == 0:
        escalation = _escalation(task_id, model)
        escalation_id = public_id("esc", escalation.id)
        task.request_escalation(escalation_id=escalation_id, model=MODELS[2], actor="user_bench")
        escalation.decide(
            decision="approved", reason="ok", comments=None, now=now(), actor="user_boss"
        )
        task.requeue(model=MODELS[2], reason="approved", actor="user_boss")
        created.append(escalation)
    agent.take(submission_id=submission, task_id=task_id, at=now(), actor="key_bench")
    task.claim(submission_id=submission, agent_id=public_id("agent", agent.id), actor="key_bench")
    for step in (1, 2):
        task.report_progress(
            completed_steps=step, total_steps=3, current_step=f"step {step}", actor="key_bench"
        )
    agent.heartbeat(at=now(), actor="key_bench")
    if index % 7 == 3:
        task.fail(error="tests failed", actor="key_bench")
        ledger.release(task_id=task_id, reason="failed")
        task.close_reservation(outcome="released", actual=None, actor="system")
        if index % 2:
            task.requeue(model=MODELS[1], reason="retry", actor="user_bench")
    else:
        cost = Decimal("0.0421")
        usage = {
            "model": task.submission["model"] if task.submission else model,
            "input_tokens": 1200 + index % 100,
            "output_tokens": 800,
            "cached_tokens": 100,
            "response_seconds": Decimal("3.5"),
            "cost": cost,
        }
        task.complete(
            results={"summary": "done", "code_quality_score": 80},
            feedback=None,
            usage=usage,
            actor="key_bench",
        )
        ledger.settle(task_id=task_id, actual=cost, spec=spec, alert_ids=[])
        task.close_reservation(outcome="settled", actual=cost, actor="system")
        for escalation in created:
            escalation.complete(actual_cost=cost, result="done", actor="system")  # type: ignore[attr-defined]
    agent.release(submission_id=submission, reason="done", actor="key_bench")
    return created


def seed_mix(
    app: KyrosApplication,
    events: int,
    progress: Callable[[int], None] | None = None,
    tasks_per_save: int = BATCH,
) -> int:
    """Appends at least `events` events of a realistic mix; returns the log head."""
    setup: list[Aggregate] = [
        Configuration(settings=DEFAULTS, actor="user_bench"),
        Webhook(
            webhook_id=uuid.uuid4(),
            url="https://example.invalid/hook",
            events=["task.completed", "task.failed"],
            description="bench",
            sealed_secret=SEALED,
            actor="user_bench",
        ),
    ]
    spec = BudgetSpec(name="bench", period="monthly", limit=Decimal(10_000_000))
    start = datetime.now(UTC).date().replace(day=1).isoformat()
    ledger = BudgetLedger(budget_id="budget_bench", period="monthly", period_start=start)
    agents = [
        Agent(
            agent_id=uuid.uuid4(),
            role=ROLES[i % 3],
            capacity=1000,
            name=f"agent {i}",
            at=now(),
            actor="key_bench",
        )
        for i in range(20)
    ]
    book = BudgetBook(actor="user_bench")
    limits = {"name": "bench", "period": "monthly", "limit": 10_000_000}
    book.define(budget_id="budget_bench", fields=limits, actor="user_bench")
    book.define(budget_id="budget_spare", fields={**limits, "name": "spare"}, actor="user_bench")
    app.save(*setup, book, ledger, *agents)
    configuration = setup[0]
    index = saves = 0
    while app.head() < events:
        if saves % 8 in (2, 4):  # tracking off for a while: attempts recorded untracked
            patch = {"monitoring": {"performance_tracking": saves % 8 == 4}}
            configuration.change(patch, models=MODELS, actor="user_bench")  # type: ignore[attr-defined]
        if saves == 1:
            book.change(budget_id="budget_spare", fields={"limit": 5}, actor="user_bench")
        if saves == 3:
            book.remove(budget_id="budget_spare", actor="user_bench")
        batch: list[Aggregate] = []
        for _ in range(tasks_per_save):
            task = _task(index)
            batch.append(task)
            batch.extend(_life(index, task, agents[index % len(agents)], ledger, spec))
            index += 1
        app.save(*batch, configuration, book, ledger, *agents)
        saves += 1
        if progress is not None:
            progress(app.head())
    return app.head()
