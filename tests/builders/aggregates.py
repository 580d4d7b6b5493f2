"""In-memory aggregates with valid defaults, for unit tests that do no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any
from uuid import UUID, uuid4

from ulid import ULID

from kyros.domain.agent import Agent
from kyros.domain.budget import BudgetSpec
from kyros.domain.budget_ledger import BudgetLedger, period_start
from kyros.domain.escalation import Escalation
from kyros.domain.spending import Budgets
from kyros.domain.task import Task
from kyros.domain.user import User
from kyros.ids import public_id

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
DEFAULT_MODEL, PREMIUM_MODEL = "glm-4.5", "claude-4.1-opus"


def new_task(**overrides: Any) -> Task:
    """A pending implementation task created by user_1."""
    fields: dict[str, Any] = {
        "task_id": uuid4(),
        "title": "Implement auth",
        "description": "JWT",
        "task_type": "implementation",
        "priority": "high",
        "assignee_role": "implementer",
        "files_to_modify": ["auth.py"],
        "acceptance_criteria": [],
        "dependencies": [],
        "tags": ["security"],
        "deadline": None,
        "metadata": {},
        "actor": "user_1",
        **overrides,
    }
    return Task(**fields)


def submitted_task(task: Task | None = None, **submission: Any) -> Task:
    """`task` (a `new_task()` when None) submitted to the implementer role on the default
    model by its creator; `submission` overrides the arguments of `Task.submit`."""
    work = task if task is not None else new_task()
    fields: dict[str, Any] = {
        "submission_id": "sub_1",
        "role": "implementer",
        "model": DEFAULT_MODEL,
        "premium": False,
        "estimated_cost": Decimal(1),
        "estimated_duration": 60,
        "waiting_on": [],
        "actor": work.created_by,
        **submission,
    }
    work.submit(**fields)
    return work


def new_agent(**overrides: Any) -> Agent:
    """An implementer agent of capacity 2, registered at NOW by key_a."""
    fields: dict[str, Any] = {
        "agent_id": uuid4(),
        "role": "implementer",
        "capacity": 2,
        "name": "w",
        "at": NOW,
        "actor": "key_a",
        **overrides,
    }
    return Agent(**fields)


def new_escalation(**overrides: Any) -> Escalation:
    """A pending escalation from the default to the premium model, requested by user_dev and
    expiring an hour after NOW."""
    fields: dict[str, Any] = {
        "escalation_id": uuid4(),
        "task_id": "task_1",
        "original_model": DEFAULT_MODEL,
        "target_model": PREMIUM_MODEL,
        "fallback_model": DEFAULT_MODEL,
        "reason": "hard",
        "context": {},
        "estimated_cost": Decimal(2),
        "priority": "high",
        "confidence": 0.9,
        "expires_at": NOW + timedelta(hours=1),
        "actor": "user_dev",
        **overrides,
    }
    return Escalation(**fields)


def budget_spec(limit: str = "10", enforcement: str = "hard", **overrides: Any) -> BudgetSpec:
    """A daily system-wide budget of `limit`."""
    fields: dict[str, Any] = {
        "name": f"{enforcement} {limit}",
        "period": "daily",
        "limit": Decimal(limit),
        "enforcement": enforcement,
        **overrides,
    }
    return BudgetSpec(**fields)


def budget_ledger(
    budget_id: str = "budget_1", period: str = "daily", at: datetime = NOW
) -> BudgetLedger:
    """The empty ledger of `budget_id` for the period that holds `at`."""
    start = period_start(period, at).isoformat()
    return BudgetLedger(budget_id=budget_id, period=period, period_start=start)


def budgets(
    specs: Mapping[str, BudgetSpec],
    held: Iterable[BudgetLedger] = (),
    *,
    now: datetime = NOW,
    alerts: bool = True,
) -> Budgets:
    """Every spec's fresh ledger for `now`'s day, plus `held` ledgers (which win over a fresh
    one with the same id): what a command would load. Alert ids count up from 1."""
    held = list(held)
    fresh = [budget_ledger(b, spec.period, now) for b, spec in specs.items()]
    ids = count(1)
    return Budgets(
        specs=specs,
        ledgers=[*held, *(f for f in fresh if all(f.id != h.id for h in held))],
        now=now,
        alerts_enabled=alerts,
        new_alert_id=lambda: public_id("alert", UUID(int=next(ids))),
    )


def new_user(**overrides: Any) -> User:
    """alice, an active developer created by user_admin (the hash is a stand-in)."""
    fields: dict[str, Any] = {
        "user_id": ULID().to_uuid(),
        "username": "alice",
        "email": "alice@example.com",
        "name": "Alice",
        "password_hash": "$argon2id$stand-in",
        "roles": ["developer"],
        "actor": "user_admin",
        **overrides,
    }
    return User(**fields)
