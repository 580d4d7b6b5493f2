"""The cost ledger read model: one row per model call attempt, with the prices it was charged at."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.rowset import RowSet
from kyros.readstore.database import Cursor
from kyros.timefmt import sortable

SCALE = 9  # money is kept in nano-dollars for exact SQL sums; recorded costs are micro-dollars
DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_cost_ledger_tasks (
        task_id TEXT PRIMARY KEY,
        task_type TEXT NOT NULL,
        created_by TEXT NOT NULL,
        submission_id TEXT,
        role TEXT,
        model TEXT,
        submitted_by TEXT,
        escalation_id TEXT,
        escalation_state TEXT,
        escalation_model TEXT
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rm_cost_ledger (
        position BIGINT PRIMARY KEY,
        at TEXT NOT NULL,
        task_id TEXT NOT NULL,
        submission_id TEXT NOT NULL,
        role TEXT NOT NULL,
        model TEXT NOT NULL,
        submitted_by TEXT NOT NULL,
        created_by TEXT NOT NULL,
        task_type TEXT NOT NULL,
        escalation_id TEXT,
        input_tokens BIGINT,
        output_tokens BIGINT,
        cached_tokens BIGINT,
        input_per_1k TEXT,
        output_per_1k TEXT,
        cached_input_per_1k TEXT,
        currency TEXT,
        cost TEXT,
        cost_nanos BIGINT,
        outcome TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_cost_ledger_at ON rm_cost_ledger (at)",
    "CREATE INDEX IF NOT EXISTS rm_cost_ledger_task ON rm_cost_ledger (task_id)",
)
LEDGER_COLUMNS = (
    "position",
    "at",
    "task_id",
    "submission_id",
    "role",
    "model",
    "submitted_by",
    "created_by",
    "task_type",
    "escalation_id",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "input_per_1k",
    "output_per_1k",
    "cached_input_per_1k",
    "currency",
    "cost",
    "cost_nanos",
    "outcome",
)
_TASK_COLUMNS = (
    "task_id",
    "task_type",
    "created_by",
    "submission_id",
    "role",
    "model",
    "submitted_by",
    "escalation_id",
    "escalation_state",
    "escalation_model",
)
# Requeue reasons that settle the task's escalation (as kyros.domain.task does).
_ESCALATION_OUTCOME = {
    "approved": "approved",
    "rejected": "rejected",
    "escalation_expired": "expired",
}


class CostLedgerProjection:
    """Each completion or failure of submitted work is an attempt, keyed by its log position
    (so the ledger's order is the log's, and a rebuild reproduces it row for row).

    A completion records the tokens and the cost priced once by the command, and since usage
    carries `pricing`, the unit prices (per 1,000 tokens) that priced it; an older completion
    without them has null prices (the catalogue lives in a file, so the prices of the time
    cannot be recovered). A failure reports no usage: tokens and cost are null, not zero.
    `escalation_id` names the approved escalation the attempt ran on (its target model), as
    `kyros.domain.escalation_workflow.approved_run` decides when the escalation is completed.
    Nothing is purged: the ledger is the raw record analysts export.
    """

    name = "cost_ledger"
    consumes = frozenset(
        {
            "Task.Created",
            "Task.Updated",
            "Task.Submitted",
            "Task.EscalationRequested",
            "Task.EscalationResolved",
            "Task.Requeued",
            "Task.Completed",
            "Task.Failed",
        }
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        for table in ("rm_cost_ledger", "rm_cost_ledger_tasks"):
            tx.execute(f"DELETE FROM {table}")

    def apply(self, tx: Cursor, page: Page) -> None:
        """Folds the page into the tasks it touches (one SELECT), then inserts its attempts."""
        fold = _Fold()
        handled = []
        for position, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is not None:
                handled.append((handler, position, event))
                first = event.originator_id not in fold.ids
                fold.task_ids.append(fold.task_id(event))
                if first and handler is _created:  # a task's first event: it has no row
                    fold.tasks.absent(fold.task_ids[-1:])
        if not handled:
            return
        fold.tasks.load(tx, fold.task_ids)
        for handler, position, event in handled:
            handler(fold, position, event)
        fold.tasks.flush(tx)
        if fold.attempts:
            marks = ", ".join("?" * len(LEDGER_COLUMNS))
            tx.executemany(
                f"INSERT INTO rm_cost_ledger ({', '.join(LEDGER_COLUMNS)}) VALUES ({marks})"
                " ON CONFLICT (position) DO NOTHING",
                fold.attempts,
            )


class _Fold:
    def __init__(self) -> None:
        self.tasks = RowSet("rm_cost_ledger_tasks", "task_id", _TASK_COLUMNS)
        self.task_ids: list[str] = []
        self.attempts: list[tuple[Any, ...]] = []
        self.ids: dict[Any, str] = {}  # public ids by originator, spelt once a page

    def task_id(self, e: Any) -> str:
        found = self.ids.get(e.originator_id)
        if found is None:
            found = self.ids[e.originator_id] = public_id("task", e.originator_id)
        return found

    def change(self, e: Any, **columns: Any) -> dict[str, Any] | None:
        row = self.tasks.get(self.task_id(e))
        if row is not None:
            row.update(columns)
        return row


def _created(fold: _Fold, position: int, e: Any) -> None:
    task_id = fold.task_id(e)
    if fold.tasks.get(task_id) is None:
        row = dict.fromkeys(_TASK_COLUMNS)
        row.update(task_id=task_id, task_type=e.task_type, created_by=e.actor)
        fold.tasks.put(row)


def _updated(fold: _Fold, position: int, e: Any) -> None:
    if "task_type" in e.changes:
        fold.change(e, task_type=e.changes["task_type"]["new"])


def _submitted(fold: _Fold, position: int, e: Any) -> None:
    fold.change(e, submission_id=e.submission_id, role=e.role, model=e.model, submitted_by=e.actor)


def _escalation_requested(fold: _Fold, position: int, e: Any) -> None:
    fold.change(
        e, escalation_id=e.escalation_id, escalation_state="pending", escalation_model=e.model
    )


def _escalation_resolved(fold: _Fold, position: int, e: Any) -> None:
    row = fold.change(e, escalation_state=e.outcome)
    if row is not None and row["submission_id"] is not None:
        row["model"] = e.model


def _requeued(fold: _Fold, position: int, e: Any) -> None:
    row = fold.change(e, model=e.model)
    outcome = _ESCALATION_OUTCOME.get(e.reason)
    if row is not None and outcome is not None and row["escalation_id"] is not None:
        row["escalation_state"] = outcome


def _finished(fold: _Fold, position: int, e: Any, outcome: str, usage: dict[str, Any]) -> None:
    task = fold.tasks.get(fold.task_id(e))
    if task is None or task["submission_id"] is None:
        return  # never submitted (e.g. completed through PUT /tasks): no model was called
    approved = task["escalation_state"] == "approved" and task["model"] == task["escalation_model"]
    prices = usage.get("pricing") or {}
    cost = usage.get("cost")
    fold.attempts.append(
        (
            position,
            sortable(e.timestamp),
            task["task_id"],
            task["submission_id"],
            task["role"],
            usage.get("model") or task["model"],
            task["submitted_by"],
            task["created_by"],
            task["task_type"],
            task["escalation_id"] if approved else None,
            usage.get("input_tokens"),
            usage.get("output_tokens"),
            usage.get("cached_tokens"),
            _text(prices.get("input_per_1k")),
            _text(prices.get("output_per_1k")),
            _text(prices.get("cached_input_per_1k")),
            prices.get("currency"),
            _text(cost),
            nanos(cost),
            outcome,
        )
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def nanos(amount: Any) -> int | None:
    """The amount in nano-dollars, for sums in SQL; exact for every cost the domain prices
    (rounded to the micro-dollar), and the `cost` column keeps the recorded text regardless."""
    if amount is None:
        return None
    return int(Decimal(str(amount)).scaleb(SCALE).to_integral_value())


_HANDLERS = {
    "Task.Created": _created,
    "Task.Updated": _updated,
    "Task.Submitted": _submitted,
    "Task.EscalationRequested": _escalation_requested,
    "Task.EscalationResolved": _escalation_resolved,
    "Task.Requeued": _requeued,
    "Task.Completed": lambda fold, position, e: _finished(
        fold, position, e, "completed", e.usage or {}
    ),
    "Task.Failed": lambda fold, position, e: _finished(fold, position, e, "failed", {}),
}
