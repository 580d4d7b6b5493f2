"""Hypothesis drives submissions, escalations, decisions, completions, failures and
cancellations in any order; after every step each budget's books must balance exactly."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.agents import ClaimWork, claim_work
from kyros.commands.escalations import (
    DecideEscalation,
    SubmitEscalation,
    decide_escalation,
    submit_escalation,
)
from kyros.commands.loading import TASKS
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
from kyros.domain.errors import DomainError
from kyros.domain.model_catalog import Usage, price
from kyros.ids import new_id
from kyros.settings import Settings
from tests.builders.commands import make_agent, make_budget, make_task

pytestmark = pytest.mark.both_stores  # store-level invariants

NOW = datetime.now(UTC)
TITLES = ("Rename a helper", "Add OAuth2 login with JWT sessions and SAML")


class Spending(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.kyros = Kyros(Settings(data_dir=Path(self.directory.name))).__enter__()
        self.app = self.kyros.app
        self.tasks: list[str] = []
        self.spent = Decimal(0)  # what completions cost while a budget held them
        self.budgets = [
            make_budget(self.app, 5, name="hard"),  # a generous hard budget
            make_budget(  # a soft one it is easy to cross
                self.app, "0.05", name="soft", period="weekly", enforcement="soft"
            ),
        ]
        self.agent = make_agent(self.app, capacity=100, at=NOW, actor="a")

    def teardown(self) -> None:
        self.kyros.__exit__(None, None, None)
        self.directory.cleanup()

    def _attempt(self, command: Any, *args: Any) -> Any:
        """Refusals are fine (that is what the domain is for); they must change nothing."""
        try:
            return command(*args)
        except DomainError:
            return None

    @rule(title=st.sampled_from(TITLES))
    def submit(self, title: str) -> None:
        task_id = make_task(self.app, title=title, files_to_modify=["auth.py"])
        self.tasks.append(task_id)
        command = SubmitTask(
            submission_id=new_id("sub"), task_id=task_id, role="implementer", actor="u", now=NOW
        )
        self._attempt(submit_task, self.app, self.kyros.catalog, command)

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def escalate(self, data: st.DataObject) -> None:
        command = SubmitEscalation(
            escalation_id=ULID().to_uuid(),
            task_id=data.draw(st.sampled_from(self.tasks)),
            actor="u",
            now=NOW,
            reason="harder than it looks",
        )
        self._attempt(submit_escalation, self.app, self.kyros.catalog, command)

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), decision=st.sampled_from(("approved", "rejected")))
    def decide(self, data: st.DataObject, decision: str) -> None:
        task = TASKS.load(self.app, data.draw(st.sampled_from(self.tasks)))
        if task.escalation is None:
            return
        command = DecideEscalation(
            escalation_id=task.escalation["id"], decision=decision, actor="approver", now=NOW
        )
        self._attempt(decide_escalation, self.app, self.kyros.catalog, command)

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), outcome=st.sampled_from(("complete", "fail", "retry")))
    def work(self, data: st.DataObject, outcome: str) -> None:
        task_id = data.draw(st.sampled_from(self.tasks))
        task = TASKS.load(self.app, task_id)
        if task.status != "queued":
            return
        submission_id = task.submission["submission_id"]  # type: ignore[index]
        claim = ClaimWork(
            agent_id=self.agent,
            at=NOW,
            actor="a",
            lease=timedelta(hours=1),
            candidates=[(submission_id, task_id)],
        )
        claimed = claim_work(self.app, claim)
        assert claimed is not None and not isinstance(claimed, str)
        if outcome == "complete":
            usage = UsageReport(
                model=claimed.model,
                input_tokens=data.draw(st.integers(0, 20_000)),
                output_tokens=data.draw(st.integers(0, 5_000)),
            )
            held = TASKS.load(self.app, task_id).reservation is not None
            report = CompleteSubmission(
                submission_id=submission_id, task_id=task_id, actor="a", results={}, usage=usage
            )
            complete_submission(self.app, self.kyros.catalog, report)
            if held:
                self.spent += _cost(self.kyros, usage)
        else:
            failure = FailSubmission(
                submission_id=submission_id,
                task_id=task_id,
                actor="a",
                error="x",
                retryable=outcome == "retry",
                max_retries=2,
                now=NOW,
            )
            fail_submission(self.app, self.kyros.catalog, failure)

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        command = CancelTask(
            task_id=data.draw(st.sampled_from(self.tasks)), actor="u", reason="no longer needed"
        )
        self._attempt(cancel_task, self.app, command)

    @invariant()
    def books_balance(self) -> None:
        """Reservations are exactly the live tasks' own; spend is exactly what they cost."""
        book = budget_book(self.app)
        assert book is not None
        holding: dict[str, Decimal] = {}
        for task_id in self.tasks:
            task = TASKS.load(self.app, task_id)
            if task.status in ("completed", "cancelled"):
                assert task.reservation is None, task_id
            if task.status == "failed":
                assert task.reservation is None, task_id
            if task.reservation is not None:  # dispatched work, or escalated after dispatch
                assert task.status in ("queued", "in_progress", "awaiting_approval"), task.status
                holding[task_id] = task.reservation["amount"]
        spent = []
        for budget_id in self.budgets:
            ledger = current_ledger(self.app, budget_id, book.get(budget_id), NOW)
            assert ledger.reserved == holding
            spent.append(ledger.spent)
        assert spent == [self.spent, self.spent]


def _cost(kyros: Kyros, usage: UsageReport) -> Decimal:
    pricing = kyros.catalog.get(usage.model).pricing
    return price(Usage(usage.input_tokens, usage.output_tokens), pricing)


Spending.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_no_interleaving_leaves_a_reservation_or_a_cent_unaccounted = Spending.TestCase
