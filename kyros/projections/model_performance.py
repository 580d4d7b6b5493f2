"""The model performance read model: one row per finished attempt, by model and role."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.rowset import RowSet
from kyros.readstore.database import Cursor
from kyros.timefmt import from_sortable, sortable

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_attempt_state (
        task_id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        model TEXT NOT NULL,
        started_at TEXT
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rm_attempts (
        task_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        role TEXT NOT NULL,
        model TEXT NOT NULL,
        outcome TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        response_seconds REAL,
        duration_seconds REAL,
        cost TEXT,
        quality REAL,
        PRIMARY KEY (task_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_attempts_model ON rm_attempts (model, outcome)",
    "CREATE INDEX IF NOT EXISTS rm_attempts_role ON rm_attempts (role, finished_at)",
    """
    CREATE TABLE IF NOT EXISTS rm_untracked_attempts (
        task_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (task_id, version)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rm_performance_tracking (
        id INTEGER PRIMARY KEY,
        tracking INTEGER NOT NULL
    )
    """,
)


class ModelPerformanceProjection:
    """What actually ran: completions and failures of submitted tasks, never estimates.

    `cost` is Decimal text (summed exactly in Python); `quality` is the completion's
    `results.code_quality_score` (0-100) on the spec's 0-10 scale, when an agent reports one.

    While `monitoring.performance_tracking` is off (followed here in log order, so a rebuild
    agrees), an attempt is still recorded with its cost, for cost accounting, but without its
    times and quality, and listed in `rm_untracked_attempts`, which performance figures skip.
    """

    name = "model_performance"

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        for table in ("attempts", "attempt_state", "untracked_attempts", "performance_tracking"):
            tx.execute(f"DELETE FROM rm_{table}")

    def apply(self, tx: Cursor, page: Page) -> None:
        """Folds the page into the attempt states it touches (one SELECT), writes them once."""
        fold = _Fold(tx)
        handled = []
        for _, event in page:
            kind = type(event).__qualname__
            if kind in ("Configuration.Initialised", "Configuration.Changed"):
                handled.append((_tracking_changed, event))
                continue
            handler = _HANDLERS.get(kind)
            if handler is not None:
                handled.append((handler, event))
                fold.task_ids.append(fold.task_id(event))
        if not handled:
            return
        fold.states.load(tx, fold.task_ids)
        for handler, event in handled:
            handler(fold, event)
        fold.flush(tx)


class _Fold:
    """One page's changes: attempt states in memory, the tracking switch, the attempts."""

    def __init__(self, tx: Cursor) -> None:
        self.states = RowSet(
            "rm_attempt_state", "task_id", ("task_id", "role", "model", "started_at")
        )
        self.task_ids: list[str] = []
        self.attempts: list[tuple[Any, ...]] = []
        self.untracked: list[tuple[str, int]] = []
        self._tx = tx
        self._tracking: bool | None = None  # read when first needed
        self._tracking_set: int | None = None  # changed by this page
        self._ids: dict[Any, str] = {}

    def task_id(self, e: Any) -> str:
        found = self._ids.get(e.originator_id)
        if found is None:
            found = self._ids[e.originator_id] = public_id("task", e.originator_id)
        return found

    @property
    def tracking(self) -> bool:
        if self._tracking is None:
            row = self._tx.execute(
                "SELECT tracking FROM rm_performance_tracking WHERE id = 1"
            ).fetchone()
            self._tracking = bool(row["tracking"]) if row else True
        return self._tracking

    def set_tracking(self, tracking: Any) -> None:
        self._tracking_set = int(tracking)
        self._tracking = bool(self._tracking_set)

    def flush(self, tx: Cursor) -> None:
        self.states.flush(tx)
        if self.untracked:
            tx.executemany(
                "INSERT INTO rm_untracked_attempts (task_id, version) VALUES (?, ?)"
                " ON CONFLICT (task_id, version) DO NOTHING",
                self.untracked,
            )
        if self.attempts:
            tx.executemany(
                "INSERT INTO rm_attempts (task_id, version, role, model, outcome, finished_at,"
                " response_seconds, duration_seconds, cost, quality)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, version) DO NOTHING",
                self.attempts,
            )
        if self._tracking_set is not None:
            tx.execute("DELETE FROM rm_performance_tracking WHERE id = 1")
            tx.execute(
                "INSERT INTO rm_performance_tracking (id, tracking) VALUES (1, ?)",
                (self._tracking_set,),
            )


def _submitted(fold: _Fold, e: Any) -> None:
    task_id = fold.task_id(e)
    state = fold.states.get(task_id)
    if state is None:
        fold.states.put({"task_id": task_id, "role": e.role, "model": e.model, "started_at": None})
    else:
        state.update(role=e.role, model=e.model, started_at=None)


def _change(fold: _Fold, e: Any, **columns: Any) -> None:
    state = fold.states.get(fold.task_id(e))
    if state is not None:
        state.update(columns)


def _requeued(fold: _Fold, e: Any) -> None:
    _change(fold, e, model=e.model, started_at=None)


def _assigned(fold: _Fold, e: Any) -> None:
    _change(fold, e, started_at=sortable(e.timestamp))


def _finished(fold: _Fold, e: Any, outcome: str, usage: dict[str, Any]) -> None:
    task_id = fold.task_id(e)
    state = fold.states.get(task_id)
    if state is None:
        return  # never submitted: not work that Kyros routed
    started = state["started_at"]
    duration = (e.timestamp - from_sortable(started)).total_seconds() if started else None
    seconds = usage.get("response_seconds")
    cost = usage.get("cost")
    quality = _quality((getattr(e, "results", None) or {}).get("code_quality_score"))
    if not fold.tracking:
        duration = seconds = quality = None
        fold.untracked.append((task_id, e.originator_version))
    fold.attempts.append(
        (
            task_id,
            e.originator_version,
            state["role"],
            usage.get("model") or state["model"],
            outcome,
            sortable(e.timestamp),
            float(seconds) if seconds is not None else None,
            duration,
            str(cost) if cost is not None else None,
            quality,
        )
    )
    state["started_at"] = None


def _tracking_changed(fold: _Fold, e: Any) -> None:
    """From a Configuration event: whether figures are recorded from here on."""
    settings = getattr(e, "settings", None) or {}
    tracking = settings.get("monitoring", {}).get("performance_tracking")
    change = (getattr(e, "changes", None) or {}).get("monitoring.performance_tracking")
    if change is not None:
        tracking = change["new"]
    if tracking is not None:
        fold.set_tracking(tracking)


def _quality(score: Any) -> float | None:
    if isinstance(score, bool) or not isinstance(score, int | float | Decimal):
        return None
    return float(score) / 10 if 0 <= score <= 100 else None


_HANDLERS = {
    "Task.Submitted": _submitted,
    "Task.Requeued": _requeued,
    "Task.Assigned": _assigned,
    "Task.Completed": lambda fold, e: _finished(fold, e, "completed", e.usage or {}),
    "Task.Failed": lambda fold, e: _finished(fold, e, "failed", {}),
}
