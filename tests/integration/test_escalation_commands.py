"""The escalation workflow and budget accounting through the commands, on both stores: every
rule branch, every decision, and where each cent of a task's estimate goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.commands.agents import ClaimWork, claim_work
from kyros.commands.configuration import ChangeConfiguration, change_configuration
from kyros.commands.escalations import (
    DecideEscalation,
    ExpireEscalation,
    FlagOverdue,
    decide_escalation,
    expire_escalation,
    flag_overdue,
)
from kyros.commands.loading import ESCALATIONS, TASKS
from kyros.commands.queue import SubmitTask, submit_task
from kyros.commands.spending import budget_book, current_ledger
from kyros.commands.submissions import (
    CompleteSubmission,
    FailSubmission,
    UsageReport,
    complete_submission,
    fail_submission,
)
from kyros.commands.tasks import CancelTask, cancel_task
from kyros.domain.alert import Alert
from kyros.domain.budget_errors import BudgetExhausted
from kyros.domain.errors import InvalidState
from kyros.domain.escalation_errors import (
    EscalationDecided,
    EscalationExpired,
    EscalationPending,
    EscalationRejected,
    SelfApproval,
)
from kyros.domain.model_catalog import Usage, price
from kyros.ids import new_id, parse_id
from tests.builders.commands import make_agent, make_budget, make_escalation, make_task

pytestmark = pytest.mark.both_stores  # store-level: commands against each event store

NOW = datetime.now(UTC)
PREMIUM, DEFAULT = "claude-4.1-opus", "glm-4.5"
SECURE = {"title": "OAuth2 login", "description": "Add OAuth2 and SAML auth with JWT sessions"}


def _configure(kyros: Kyros, **escalation: Any) -> None:
    command = ChangeConfiguration(patch={"escalation": escalation}, actor="admin")
    change_configuration(kyros.app, kyros.catalog, command)


def _submit(kyros: Kyros, task_id: str, actor: str = "user_1", **options: Any) -> Any:
    command = SubmitTask(
        submission_id=new_id("sub"),
        task_id=task_id,
        role="implementer",
        actor=actor,
        now=NOW,
        **options,
    )
    return submit_task(kyros.app, kyros.catalog, command)


def _decide(kyros: Kyros, escalation_id: str, decision: str, actor: str = "approver_1") -> None:
    command = DecideEscalation(escalation_id=escalation_id, decision=decision, actor=actor, now=NOW)
    decide_escalation(kyros.app, kyros.catalog, command)


def _ledger(kyros: Kyros, budget_id: str) -> Any:
    book = budget_book(kyros.app)
    assert book is not None
    return current_ledger(kyros.app, budget_id, book.get(budget_id), NOW)


def _run(kyros: Kyros, task_id: str, *, tokens: tuple[int, int] = (1000, 500)) -> Decimal:
    """An agent claims the task and completes it; returns the priced cost."""
    task = TASKS.load(kyros.app, task_id)
    agent_id = make_agent(kyros.app, capacity=1, at=NOW, actor="a")
    submission_id = task.submission["submission_id"]  # type: ignore[index]
    claim = ClaimWork(
        agent_id=agent_id,
        at=NOW,
        actor="a",
        lease=timedelta(minutes=5),
        candidates=[(submission_id, task_id)],
    )
    claimed = claim_work(kyros.app, claim)
    model = claimed.model  # type: ignore[union-attr]
    usage = UsageReport(model=model, input_tokens=tokens[0], output_tokens=tokens[1])
    complete_submission(
        kyros.app,
        kyros.catalog,
        CompleteSubmission(
            submission_id=submission_id, task_id=task_id, actor="a", results={}, usage=usage
        ),
    )
    return price(Usage(*tokens), kyros.catalog.get(model).pricing)


def test_a_premium_submission_waits_for_an_approver_then_runs_and_settles(kyros: Kyros) -> None:
    _configure(kyros, auto_approve_threshold=1)
    budget = make_budget(kyros.app, "100.00")
    task_id = make_task(kyros.app, **SECURE, metadata={"security_sensitive": True})

    submitted = _submit(kyros, task_id)

    assert (submitted.status, submitted.model) == ("awaiting_approval", PREMIUM)
    escalation_id = submitted.escalation.escalation_id
    assert submitted.escalation.status == "pending_approval"
    assert "confidence" in submitted.escalation.explanation
    assert _ledger(kyros, budget).committed == 0  # nothing is held before the decision
    _decide(kyros, escalation_id, "approved")
    task = TASKS.load(kyros.app, task_id)
    assert (task.status, task.submission["model"]) == ("queued", PREMIUM)  # type: ignore[index]
    estimate = ESCALATIONS.load(kyros.app, escalation_id).estimated_cost
    assert _ledger(kyros, budget).reserved == {task_id: estimate}

    cost = _run(kyros, task_id)

    ledger = _ledger(kyros, budget)
    assert (ledger.reserved, ledger.spent) == ({}, cost)
    assert ESCALATIONS.load(kyros.app, escalation_id).status == "completed"
    assert TASKS.load(kyros.app, task_id).reservation is None


def test_a_rejection_runs_the_task_on_the_fallback_model(kyros: Kyros) -> None:
    _configure(kyros, auto_approve_threshold=1)
    budget = make_budget(kyros.app, "100.00")
    task_id = make_task(kyros.app, **SECURE, metadata={"security_sensitive": True})
    escalation_id = _submit(kyros, task_id).escalation.escalation_id

    _decide(kyros, escalation_id, "rejected")

    task = TASKS.load(kyros.app, task_id)
    assert (task.status, task.submission["model"]) == ("queued", DEFAULT)  # type: ignore[index]
    assert _ledger(kyros, budget).reserved[task_id] > 0
    cost = _run(kyros, task_id)
    assert _ledger(kyros, budget).spent == cost
    assert ESCALATIONS.load(kyros.app, escalation_id).status == "rejected"  # never completed


@pytest.mark.parametrize(
    ("rules", "approved"),
    [
        ({}, True),  # confidence 0.87 >= 0.8, estimate under 20, first of the day
        ({"auto_approve_threshold": 1}, False),
        ({"cost_threshold": 0}, False),
        ({"max_daily_escalations": 0}, False),
        ({"approval_required": False, "auto_approve_threshold": 1, "cost_threshold": 0}, True),
        ({"approval_required": False, "max_daily_escalations": 0}, False),
    ],
)
def test_each_rule_can_stop_an_automatic_approval(
    kyros: Kyros, rules: dict[str, Any], approved: bool
) -> None:
    if rules:
        _configure(kyros, **rules)
    task_id = make_task(kyros.app, **SECURE, metadata={"security_sensitive": True})
    opened = _submit(kyros, task_id).escalation
    assert opened.approval_required is not approved
    assert opened.status == ("approved" if approved else "pending_approval")
    task = TASKS.load(kyros.app, task_id)
    assert task.status == ("queued" if approved else "awaiting_approval")


def test_a_budget_that_cannot_absorb_the_estimate_stops_an_automatic_approval(
    kyros: Kyros,
) -> None:
    make_budget(kyros.app, "0.01", enforcement="soft")
    task_id = make_task(kyros.app, **SECURE, metadata={"security_sensitive": True})
    opened = _submit(kyros, task_id).escalation
    assert opened.status == "pending_approval"
    assert "budget" in opened.explanation


def test_the_daily_maximum_counts_every_escalation_of_the_day(kyros: Kyros) -> None:
    _configure(kyros, max_daily_escalations=2)
    statuses = []
    for _ in range(3):
        task_id = make_task(kyros.app, **SECURE, metadata={"security_sensitive": True})
        statuses.append(_submit(kyros, task_id).escalation.status)
    assert statuses == ["approved", "approved", "pending_approval"]


def test_a_requested_escalation_derives_models_and_estimate_from_the_task(kyros: Kyros) -> None:
    task_id = make_task(kyros.app, title="Rename", files_to_modify=["a.py"])
    _submit(kyros, task_id)
    assert TASKS.load(kyros.app, task_id).status == "queued"

    opened = make_escalation(kyros, task_id, now=NOW)

    escalation = ESCALATIONS.load(kyros.app, opened.escalation_id)
    assert (escalation.original_model, escalation.target_model) == (DEFAULT, PREMIUM)
    assert escalation.estimated_cost > 0
    assert opened.status == "pending_approval"  # routing is confident the default suffices
    assert TASKS.load(kyros.app, task_id).status == "awaiting_approval"
    with pytest.raises(EscalationPending):
        make_escalation(kyros, task_id, now=NOW)


def test_the_requester_never_decides_and_nobody_decides_twice(kyros: Kyros) -> None:
    task_id = make_task(kyros.app, title="Rename")
    opened = make_escalation(kyros, task_id, actor="user_1", now=NOW)
    with pytest.raises(SelfApproval):
        _decide(kyros, opened.escalation_id, "approved", actor="user_1")
    _decide(kyros, opened.escalation_id, "rejected")
    with pytest.raises(EscalationDecided):
        _decide(kyros, opened.escalation_id, "approved")


def test_an_escalated_pending_task_runs_on_the_approved_model_when_submitted(
    kyros: Kyros,
) -> None:
    task_id = make_task(kyros.app, title="Rename")
    opened = make_escalation(kyros, task_id, now=NOW)
    assert TASKS.load(kyros.app, task_id).status == "pending"
    _decide(kyros, opened.escalation_id, "approved")

    submitted = _submit(kyros, task_id)

    assert (submitted.status, submitted.model, submitted.escalation) == ("queued", PREMIUM, None)


def test_a_finished_task_cannot_be_escalated(kyros: Kyros) -> None:
    task_id = make_task(kyros.app, title="Rename")
    cancel_task(kyros.app, CancelTask(task_id=task_id, actor="user_1", reason=None))
    with pytest.raises(InvalidState):
        make_escalation(kyros, task_id, now=NOW)


def test_an_escalation_no_hard_budget_could_fund_is_rejected_outright(kyros: Kyros) -> None:
    make_budget(kyros.app, "0.01")
    task_id = make_task(kyros.app, title="Rename")
    with pytest.raises(EscalationRejected):
        make_escalation(kyros, task_id, estimated_cost=Decimal("5"), now=NOW)
    assert TASKS.load(kyros.app, task_id).escalation is None


def test_an_overdue_escalation_expires_onto_the_fallback_and_is_flagged_once(
    kyros: Kyros,
) -> None:
    _configure(kyros, auto_approve_threshold=1, expire_after_minutes=30)
    task_id = make_task(kyros.app, **SECURE, metadata={"security_sensitive": True})
    escalation_id = _submit(kyros, task_id).escalation.escalation_id

    flag = FlagOverdue(escalation_id=escalation_id, waited=timedelta(minutes=61))
    assert flag_overdue(kyros.app, flag) > 0
    assert flag_overdue(kyros.app, msgspec.structs.replace(flag, waited=timedelta(minutes=62))) == 0
    alert_id = ESCALATIONS.load(kyros.app, escalation_id).overdue_alert
    alert: Alert = kyros.app.repository.get(parse_id("alert", alert_id))  # type: ignore[arg-type]
    assert (alert.alert_type, alert.status) == ("escalation_pending", "active")
    expire = ExpireEscalation(escalation_id=escalation_id, now=NOW)
    assert expire_escalation(kyros.app, kyros.catalog, expire) == 0  # not yet

    later = NOW + timedelta(minutes=31)
    expire = ExpireEscalation(escalation_id=escalation_id, now=later)
    assert expire_escalation(kyros.app, kyros.catalog, expire) > 0

    assert ESCALATIONS.load(kyros.app, escalation_id).status == "expired"
    task = TASKS.load(kyros.app, task_id)
    assert (task.status, task.submission["model"]) == ("queued", DEFAULT)  # type: ignore[index]
    late = DecideEscalation(escalation_id=escalation_id, decision="approved", actor="x", now=later)
    with pytest.raises(EscalationDecided):
        decide_escalation(kyros.app, kyros.catalog, late)


def test_deciding_after_the_deadline_is_refused_as_expired(kyros: Kyros) -> None:
    _configure(kyros, expire_after_minutes=1)
    opened = make_escalation(kyros, make_task(kyros.app, title="Rename"), now=NOW)
    late = DecideEscalation(
        escalation_id=opened.escalation_id,
        decision="approved",
        actor="approver_1",
        now=NOW + timedelta(minutes=2),
    )
    with pytest.raises(EscalationExpired):
        decide_escalation(kyros.app, kyros.catalog, late)


def test_cancelling_withdraws_the_escalation_and_releases_the_reservation(kyros: Kyros) -> None:
    budget = make_budget(kyros.app, "100.00")
    task_id = make_task(kyros.app, title="Rename", files_to_modify=["a.py"])
    _submit(kyros, task_id)
    assert task_id in _ledger(kyros, budget).reserved
    opened = make_escalation(kyros, task_id, now=NOW)

    cancel_task(kyros.app, CancelTask(task_id=task_id, actor="user_1", reason="not needed"))

    assert ESCALATIONS.load(kyros.app, opened.escalation_id).status == "withdrawn"
    assert _ledger(kyros, budget).committed == 0


def test_a_hard_budget_refuses_dispatch_and_changes_nothing(kyros: Kyros) -> None:
    budget = make_budget(kyros.app, "0.001")
    task_id = make_task(kyros.app, title="Rename", files_to_modify=["a.py"])
    with pytest.raises(BudgetExhausted):
        _submit(kyros, task_id)
    assert TASKS.load(kyros.app, task_id).status == "pending"
    assert _ledger(kyros, budget).committed == 0


def test_budgets_apply_by_scope(kyros: Kyros) -> None:
    other_role = make_budget(kyros.app, "0.001", scope="role", scope_value="critic")
    other_user = make_budget(kyros.app, "0.001", scope="user", scope_value="user_2")
    mine = make_budget(kyros.app, "50", scope="user", scope_value="user_1")
    model = make_budget(kyros.app, "50", scope="model", scope_value=DEFAULT)
    task_id = make_task(kyros.app, title="Rename", files_to_modify=["a.py"])
    _submit(kyros, task_id)
    assert task_id in _ledger(kyros, mine).reserved
    assert task_id in _ledger(kyros, model).reserved
    assert _ledger(kyros, other_role).committed == _ledger(kyros, other_user).committed == 0


def test_a_failure_releases_and_a_retry_reserves_again(kyros: Kyros) -> None:
    budget = make_budget(kyros.app, "100.00")
    task_id = make_task(kyros.app, title="Rename", files_to_modify=["a.py"])
    _submit(kyros, task_id)
    agent_id = make_agent(kyros.app, capacity=1, at=NOW, actor="a")
    submission_id = TASKS.load(kyros.app, task_id).submission["submission_id"]  # type: ignore[index]
    claim_work(
        kyros.app,
        ClaimWork(
            agent_id=agent_id,
            at=NOW,
            actor="a",
            lease=timedelta(minutes=5),
            candidates=[(submission_id, task_id)],
        ),
    )
    fail = FailSubmission(
        submission_id=submission_id,
        task_id=task_id,
        actor="a",
        error="boom",
        retryable=True,
        max_retries=1,
        now=NOW,
    )
    fail_submission(kyros.app, kyros.catalog, fail)
    task = TASKS.load(kyros.app, task_id)
    assert task.status == "queued"
    ledger = _ledger(kyros, budget)
    assert list(ledger.reserved) == [task_id] and ledger.spent == 0


def test_a_soft_budget_warns_at_its_threshold_and_again_past_its_limit(kyros: Kyros) -> None:
    budget = make_budget(kyros.app, "0.01", enforcement="soft")
    task_id = make_task(kyros.app, title="Rename", files_to_modify=["a.py"])
    _submit(kyros, task_id)  # an estimate of about 0.017 USD: past 80 % of 0.01 at once
    assert _ledger(kyros, budget).crossed == ["threshold"]
    cost = _run(kyros, task_id, tokens=(10_000, 1_000))  # 0.010 + 0.002 = 0.012 USD
    ledger = _ledger(kyros, budget)
    assert ledger.crossed == ["threshold", "overrun"]
    alerts = _alerts(kyros)
    assert sorted(a["alert_type"] for a in alerts) == ["budget_threshold", "cost_overrun"]
    overrun = next(a for a in alerts if a["alert_type"] == "cost_overrun")
    assert cost == Decimal("0.012")
    assert overrun["details"]["budget"] == Decimal("0.01")
    assert overrun["details"]["actual"] == cost
    assert overrun["details"]["overrun"] == Decimal("0.002")
    assert overrun["severity"] == "warning"


def _alerts(kyros: Kyros) -> list[dict[str, Any]]:
    """Every Alert.Raised event in the log, read straight from the event store."""
    raised = []
    for notification in kyros.app.recorder.select_notifications(start=1, limit=10_000):
        if notification.topic.endswith("Alert.Raised"):
            event = kyros.app.mapper.to_domain_event(notification)
            raised.append({**event.__dict__})
    return raised


def test_the_scheduler_flags_then_expires_a_pending_escalation(kyros: Kyros) -> None:
    _configure(kyros, auto_approve_threshold=1, pending_alert_minutes=5, expire_after_minutes=60)
    task_id = make_task(kyros.app, **SECURE, metadata={"security_sensitive": True})
    now = datetime.now(UTC)  # the read model's submitted_at is the event's own time
    command = SubmitTask(
        submission_id=new_id("sub"), task_id=task_id, role="implementer", actor="u", now=now
    )
    escalation_id = submit_task(kyros.app, kyros.catalog, command).escalation.escalation_id
    for name in ("escalations", "configuration"):
        kyros.engine.catch_up(name, 500)

    assert kyros.scheduler.sweep(now + timedelta(minutes=1)) == 0  # too early for anything
    assert kyros.scheduler.sweep(now + timedelta(minutes=6)) == 1  # flagged
    kyros.engine.catch_up("escalations", 500)
    assert kyros.scheduler.sweep(now + timedelta(minutes=7)) == 0  # flagged once only
    assert ESCALATIONS.load(kyros.app, escalation_id).overdue_alert is not None
    assert kyros.scheduler.sweep(now + timedelta(minutes=61)) == 1  # expired

    assert ESCALATIONS.load(kyros.app, escalation_id).status == "expired"
    assert TASKS.load(kyros.app, task_id).status == "queued"


def test_an_approval_a_hard_budget_cannot_fund_changes_nothing(kyros: Kyros) -> None:
    _configure(kyros, auto_approve_threshold=1)
    task_id = make_task(kyros.app, **SECURE, metadata={"security_sensitive": True})
    escalation_id = _submit(kyros, task_id).escalation.escalation_id
    budget = make_budget(kyros.app, "0.01")

    with pytest.raises(BudgetExhausted):
        _decide(kyros, escalation_id, "approved")

    assert ESCALATIONS.load(kyros.app, escalation_id).status == "pending_approval"
    assert TASKS.load(kyros.app, task_id).status == "awaiting_approval"
    assert _ledger(kyros, budget).committed == 0


def test_a_rejection_whose_fallback_cannot_be_funded_cancels_the_task(kyros: Kyros) -> None:
    _configure(kyros, auto_approve_threshold=1)
    task_id = make_task(kyros.app, **SECURE, metadata={"security_sensitive": True})
    escalation_id = _submit(kyros, task_id).escalation.escalation_id
    make_budget(kyros.app, "0.00")

    _decide(kyros, escalation_id, "rejected")

    assert ESCALATIONS.load(kyros.app, escalation_id).status == "rejected"
    assert TASKS.load(kyros.app, task_id).status == "cancelled"


def test_a_long_ledger_loads_the_same_through_its_snapshots(kyros: Kyros) -> None:
    budget = make_budget(kyros.app, "1000.00")
    book = budget_book(kyros.app)
    assert book is not None
    spec = book.get(budget)
    for n in range(130):  # past the snapshot interval of 100 events
        ledger = current_ledger(kyros.app, budget, spec, NOW)
        ledger.reserve(task_id=f"task_{n}", amount=Decimal("0.5"), spec=spec, alert_ids=["a", "b"])
        if n % 2:
            ledger.settle(task_id=f"task_{n}", actual=Decimal("0.25"), spec=spec, alert_ids=[])
        kyros.app.save_all(ledger)

    ledger = _ledger(kyros, budget)
    assert kyros.app.snapshots is not None
    assert list(kyros.app.snapshots.get(ledger.id))  # a snapshot was taken and is used
    assert ledger.version > 130
    assert ledger.spent == Decimal("0.25") * 65
    assert ledger.reserved == {f"task_{n}": Decimal("0.5") for n in range(0, 130, 2)}
