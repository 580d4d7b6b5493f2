"""What agents report on work they hold (progress, completion, failure), and lease expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from kyros.commands import spending
from kyros.commands.escalations import complete_escalation
from kyros.commands.loading import AGENTS, TASKS, holding_agent, load_settings
from kyros.domain.budget_errors import BudgetExhausted
from kyros.domain.errors import DomainError
from kyros.domain.holds import Hold, check_holds
from kyros.domain.model_catalog import Catalog, Usage, price
from kyros.domain.routing_errors import ModelNotFound
from kyros.domain.spending import Budgets, Payer
from kyros.domain.task import Task
from kyros.domain.task_routing import estimate
from kyros.eventstore.application import KyrosApplication


class ReportProgress(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: str
    task_id: str
    actor: str
    completed_steps: int
    total_steps: int
    current_step: str | None = None


class UsageReport(msgspec.Struct, frozen=True, kw_only=True):
    """Tokens of the whole attempt; `cached_tokens` is the part of the input read from cache."""

    model: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int = 0
    response_seconds: float | None = None


class CompleteSubmission(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: str
    task_id: str
    actor: str
    results: dict[str, Any]
    usage: UsageReport
    feedback: str | None = None


class FailSubmission(msgspec.Struct, frozen=True, kw_only=True):
    """A retryable failure goes back to the queue on the fallback model, `max_retries` times,
    if the budgets can take the retry's estimate."""

    submission_id: str
    task_id: str
    actor: str
    error: str
    retryable: bool
    max_retries: int
    now: datetime = msgspec.field(default_factory=lambda: datetime.now(UTC))


class ExpireLease(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: str
    task_id: str
    agent_id: str
    now: datetime
    lease: timedelta


def _held(app: KyrosApplication, task_id: str, submission_id: str, actor: str) -> tuple[Task, Hold]:
    task = TASKS.load(app, task_id)
    return task, check_holds(holding_agent(app, task), actor, submission_id)


def report_progress(app: KyrosApplication, cmd: ReportProgress) -> int:
    task, _ = _held(app, cmd.task_id, cmd.submission_id, cmd.actor)
    task.report_progress(
        completed_steps=cmd.completed_steps,
        total_steps=cmd.total_steps,
        current_step=cmd.current_step,
        actor=cmd.actor,
    )
    return app.save_all(task)


def complete_submission(app: KyrosApplication, catalog: Catalog, cmd: CompleteSubmission) -> int:
    """The cost is priced here, once, recorded with the prices it used, and settled against
    the budgets that held the estimate (and the escalation that approved the model)."""
    task, hold = _held(app, cmd.task_id, cmd.submission_id, cmd.actor)
    usage = _priced(catalog, cmd.usage)
    task.complete(results=cmd.results, feedback=cmd.feedback, usage=usage, actor=cmd.actor)
    hold.agent.release(submission_id=cmd.submission_id, reason="completed", actor=cmd.actor)
    cost = usage["cost"]
    changed = spending.settle(app, task, actual=cost, actor=cmd.actor)
    changed += complete_escalation(app, task, cost, result_summary(cmd.results, cmd.usage.model))
    return app.save_all(task, hold.agent, *changed)


def result_summary(results: dict[str, Any], model: str) -> str:
    summary = results.get("summary")
    if isinstance(summary, str) and summary.strip():
        return summary.strip()[:500]
    return f"Task completed successfully with {model}"


def _priced(catalog: Catalog, report: UsageReport) -> dict[str, Any]:
    if report.model not in catalog.names():
        raise ModelNotFound(report.model, field="usage.model")
    pricing = catalog.get(report.model).pricing
    try:
        usage = Usage(report.input_tokens, report.output_tokens, report.cached_tokens)
    except ValueError as refused:
        raise DomainError(str(refused), field="usage.cached_tokens") from None
    return {
        **msgspec.structs.asdict(report),
        "cost": price(usage, pricing),
        "pricing": msgspec.structs.asdict(pricing),
    }


def fail_submission(app: KyrosApplication, catalog: Catalog, cmd: FailSubmission) -> int:
    task, hold = _held(app, cmd.task_id, cmd.submission_id, cmd.actor)
    task.fail(error=cmd.error, actor=cmd.actor)
    hold.agent.release(submission_id=cmd.submission_id, reason="failed", actor=cmd.actor)
    fallback = load_settings(app)["models"]["fallback_model"]
    budgets = spending.load_budgets(app, cmd.now, Payer.of(task, cmd.actor), [fallback], task)
    budgets.release(task, reason="failed", actor=cmd.actor)
    retries = task.submission["retries"] if task.submission else cmd.max_retries
    if cmd.retryable and retries < cmd.max_retries and catalog.is_usable(fallback):
        _retry(budgets, catalog, task, fallback, cmd)
    return app.save_all(task, hold.agent, *budgets.changed())


def _retry(
    budgets: Budgets, catalog: Catalog, task: Task, fallback: str, cmd: FailSubmission
) -> None:
    """No retry when a hard budget cannot take its estimate: the task stays failed."""
    amount = estimate(task, catalog, fallback, cmd.now)
    try:
        budgets.reserve(task, model=fallback, amount=amount, actor=cmd.actor)
    except BudgetExhausted:
        return
    task.requeue(model=fallback, reason="retry", actor=cmd.actor)


def expire_lease(app: KyrosApplication, cmd: ExpireLease) -> int:
    """Requeues work whose agent has not been seen for a lease; 0 if it was seen since.

    The agent is saved too, so a heartbeat racing with this conflicts instead of being lost.
    """
    agent = AGENTS.load(app, cmd.agent_id)
    if not agent.lease_expired(cmd.now, cmd.lease):
        return 0
    task = TASKS.load(app, cmd.task_id)
    if task.is_held_by(cmd.submission_id, cmd.agent_id) and task.submission is not None:
        task.requeue(model=task.submission["model"], reason="lease_expired", actor="system")
    agent.release(submission_id=cmd.submission_id, reason="lease_expired", actor="system")
    return app.save_all(task, agent)
