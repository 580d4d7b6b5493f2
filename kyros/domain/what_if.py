"""What-if replay: recorded attempts re-routed and re-priced under scenarios, exactly.

Each attempt is routed twice by the live system's own policy (`route_submission`): under the
live configuration (the baseline) and under the scenario. Only where the two differ, and the
attempt ran on the model the baseline chooses, does the scenario move it; everything else keeps
its recorded model, tokens and cost. So a scenario equal to the live configuration reproduces
the actual figures to the last digit, whatever routing inputs the log does not hold (routing
preferences, a pinned model, the hard budgets left at the time). Work a scenario escalates is
assumed approved and runs on the premium model; the approvals it would need are counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import msgspec

from kyros.domain.errors import DomainError
from kyros.domain.escalation_rules import EscalationFacts, decide_automatically
from kyros.domain.model_catalog import Usage, price
from kyros.domain.routing import RoutingDecision, RoutingPolicy, RoutingPreferences
from kyros.domain.task import Task
from kyros.domain.task_routing import route_submission
from kyros.domain.what_if_scenario import LIVE, Live, Scenario, escalation_rules, policy, pricing
from kyros.domain.what_if_totals import Listed, Totals, savings

PROGRESS_EVERY = 1000


class RoutedTask(msgspec.Struct, frozen=True):
    """What routing reads of a task (see `task_routing_request`)."""

    title: str
    description: str
    task_type: str
    tags: tuple[str, ...] = ()
    files_to_modify: tuple[str, ...] = ()
    deadline: datetime | None = None
    metadata: dict[str, Any] = {}


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    """One finished attempt as recorded: `cost` is what was charged (0 without usage),
    `escalated` whether its task had an escalation."""

    task_id: str
    version: int
    day: str
    submitted_at: datetime
    role: str
    task_type: str
    model: str
    usage: Usage
    cost: Decimal
    escalated: bool
    task: RoutedTask


Decision = RoutingDecision | None


def _route(routing: RoutingPolicy | None, attempt: Attempt) -> Decision:
    """The live system's routing of the attempt's task; None where it cannot be routed."""
    if routing is None:
        return None
    try:
        return route_submission(
            cast(Task, attempt.task),
            routing,
            RoutingPreferences(),
            preapproved=None,
            hard_left=None,
            now=attempt.submitted_at,
        )
    except DomainError:
        return None


def _policies(live: Live, scenario: Scenario) -> dict[str, RoutingPolicy | None]:
    found: dict[str, RoutingPolicy | None] = {}
    for name, role in live.roles.items():
        try:
            found[name] = policy(live, scenario, role)
        except DomainError:
            found[name] = None  # a role whose configuration cannot route: nothing moves
    return found


def _scaled(usage: Usage, ratio: Decimal | None) -> Usage:
    if ratio is None:
        return usage

    def scale(tokens: int) -> int:
        return int((tokens * ratio).to_integral_value(rounding=ROUND_HALF_UP))

    return Usage(
        scale(usage.input_tokens), scale(usage.output_tokens), scale(usage.cached_input_tokens)
    )


def _moving(attempt: Attempt, baseline: Decision, decision: Decision) -> Decision:
    """The scenario's decision where it routes otherwise than the live policy, which the
    attempt followed; None where the attempt keeps its recorded route."""
    if baseline is None or decision is None or attempt.model != baseline.selected_model:
        return None
    same = (decision.selected_model, decision.premium) == (
        baseline.selected_model,
        baseline.premium,
    )
    return None if same else decision


class Run:
    """One scenario's replay, attempt by attempt."""

    def __init__(self, live: Live, scenario: Scenario) -> None:
        self.live, self.scenario = live, scenario
        self.reroutes = scenario.routing != LIVE.routing
        self.policies = _policies(live, scenario) if self.reroutes else {}
        self.rules = escalation_rules(live, scenario)
        self.totals = Totals()
        self.changed, self.raised, self.avoided = Listed(), Listed(), Listed()
        self.escalated: dict[str, bool] = {}  # task → auto-approved
        self.per_day: dict[str, int] = {}

    def add(self, attempt: Attempt, keys: dict[str, str], baseline: Decision) -> None:
        decision = _route(self.policies.get(attempt.role), attempt) if self.reroutes else baseline
        moving = _moving(attempt, baseline, decision)
        model = moving.selected_model if moving else attempt.model
        cost = self._cost(attempt, model)
        self.totals.add({**keys, "model": model}, cost)
        if model != attempt.model:
            self.changed.add(_change(attempt, model, cost))
        self._escalation(attempt, moving.premium if moving else attempt.escalated, decision)

    def _cost(self, attempt: Attempt, model: str) -> Decimal:
        """Recorded, unless the scenario prices the model or the work moved onto it."""
        moved = model != attempt.model
        prices = pricing(self.scenario, self.live.catalog, model)
        if prices is None:
            if not moved:
                return attempt.cost
            prices = self.live.catalog.get(model).pricing
        ratio = self.scenario.token_ratio.get(model) if moved else None
        return price(_scaled(attempt.usage, ratio), prices)

    def _escalation(self, attempt: Attempt, escalated: bool, decision: Decision) -> None:
        """Once per task: raised or avoided against the actual, and whether the scenario's
        rules (daily maximum counted in replay order) would approve it unattended."""
        if attempt.task_id in self.escalated or not (escalated or attempt.escalated):
            return
        self.escalated[attempt.task_id] = False
        if escalated != attempt.escalated:
            (self.raised if escalated else self.avoided).add(attempt.task_id)
        if not escalated:
            return
        today = self.per_day.get(attempt.day, 0)
        self.per_day[attempt.day] = today + 1
        confidence = decision.confidence_score if decision is not None else 0.0
        estimate = decision.estimated_cost if decision is not None else Decimal(0)
        facts = EscalationFacts(confidence, estimate, today, budget_absorbs=True)
        self.escalated[attempt.task_id] = decide_automatically(self.rules, facts).auto_approve

    def view(self, actual: Totals) -> dict[str, Any]:
        approved = sum(self.escalated.values())
        total = sum(self.per_day.values())
        return {
            "name": self.scenario.name,
            **self.totals.view(),
            **savings(actual.cost, self.totals.cost),
            "routes_changed": self.changed.count,
            "changed_routes": self.changed.items,
            "escalations": {
                "total": total,
                "auto_approved": approved,
                "needs_approval": total - approved,
                "raised": self.raised.count,
                "avoided": self.avoided.count,
                "raised_tasks": self.raised.items,
                "avoided_tasks": self.avoided.items,
            },
        }


def _change(attempt: Attempt, model: str, cost: Decimal) -> dict[str, Any]:
    return {
        "task_id": attempt.task_id,
        "attempt": attempt.version,
        "role": attempt.role,
        "task_type": attempt.task_type,
        "from_model": attempt.model,
        "to_model": model,
        "actual_cost": attempt.cost,
        "scenario_cost": cost,
    }


def replay(
    attempts: Iterable[Attempt],
    live: Live,
    scenarios: tuple[Scenario, ...],
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Actual totals and each scenario's, in the order the attempts come (keep it fixed)."""
    actual, escalations = Totals(), set()
    runs = [Run(live, scenario) for scenario in scenarios]
    baselines = _policies(live, LIVE)
    done = 0
    for attempt in attempts:
        keys = {"role": attempt.role, "task_type": attempt.task_type, "day": attempt.day}
        actual.add({**keys, "model": attempt.model}, attempt.cost)
        if attempt.escalated:
            escalations.add(attempt.task_id)
        baseline = _route(baselines.get(attempt.role), attempt)
        for run in runs:
            run.add(attempt, keys, baseline)
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    if progress is not None:
        progress(done)
    return {
        "actual": {**actual.view(), "escalations": len(escalations)},
        "scenarios": [run.view(actual) for run in runs],
    }
