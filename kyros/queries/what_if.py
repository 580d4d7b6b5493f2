"""What-if replay over the read models: the recorded attempts of a period and the live
configuration, handed to the domain's pure replay. Reads only; nothing is appended."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from kyros.domain.model_catalog import Catalog, Usage
from kyros.domain.vocabulary import ROLES
from kyros.domain.what_if import Attempt, RoutedTask, replay
from kyros.domain.what_if_scenario import Live, Scenario, check_scenarios
from kyros.projections.jsondoc import loads
from kyros.queries.agent_roles import get_role_config
from kyros.queries.configuration import get_configuration
from kyros.readstore.database import Database
from kyros.timefmt import from_sortable, iso, sortable

READ_MODELS = ("analytics", "tasks", "configuration", "agent_roles")
# The submission an attempt ran under is its task's latest before it: found by the primary key
# (task_id, version); a MAX here let PostgreSQL walk the submitted_at index, 80 times slower
_ATTEMPTS = """
SELECT a.task_id, a.version, a.finished_at, a.role, a.task_type, a.model, a.input_tokens,
       a.output_tokens, a.cached_tokens, a.cost, t.doc,
       (SELECT s.submitted_at FROM rm_analytics_submissions s
         WHERE s.task_id = a.task_id AND s.version < a.version
         ORDER BY s.version DESC LIMIT 1) AS submitted_at
  FROM rm_analytics_attempts a LEFT JOIN rm_tasks t ON t.id = a.task_id
 WHERE a.finished_at >= ? AND a.finished_at < ?
 ORDER BY a.finished_at, a.task_id, a.version
"""


def live_configuration(db: Database, catalog: Catalog) -> Live:
    settings = get_configuration(db)
    roles = {role: get_role_config(db, role) for role in ROLES}
    return Live(catalog, dict(settings["models"]), roles, dict(settings["escalation"]))


def what_if(
    db: Database,
    catalog: Catalog,
    window: tuple[datetime, datetime],
    scenarios: tuple[Scenario, ...],
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Actual and scenario totals of the attempts that finished in [from, to)."""
    check_scenarios(scenarios, catalog)
    live = live_configuration(db, catalog)
    start, end = (sortable(moment) for moment in window)
    with db.transaction(write=False) as tx:
        escalated = {
            row["task_id"]
            for row in tx.execute(
                "SELECT DISTINCT task_id FROM rm_analytics_escalations WHERE submitted_at < ?",
                (end,),
            ).fetchall()
        }
        rows = tx.execute(_ATTEMPTS, (start, end)).fetchall()
    result = replay(_attempts(rows, escalated), live, scenarios, progress)
    period = {"from": iso(window[0]), "to": iso(window[1])}
    return {"period": period, **result}


def count_attempts(db: Database, window: tuple[datetime, datetime]) -> int:
    """How many attempts a replay of the window goes through (for a progress bar)."""
    start, end = (sortable(moment) for moment in window)
    sql = (
        "SELECT COUNT(*) AS n FROM rm_analytics_attempts WHERE finished_at >= ? AND finished_at < ?"
    )
    with db.transaction(write=False) as tx:
        row = tx.execute(sql, (start, end)).fetchone()
    return int(row["n"]) if row else 0


def _attempts(rows: list[Any], escalated: set[str]) -> Iterator[Attempt]:
    tasks: dict[str, RoutedTask] = {}
    for row in rows:
        task_id = row["task_id"]
        task = tasks.get(task_id)
        if task is None:
            task = tasks[task_id] = _task(row["doc"])
        finished = row["finished_at"]
        yield Attempt(
            task_id=task_id,
            version=int(row["version"]),
            day=finished[:10],
            submitted_at=from_sortable(row["submitted_at"] or finished),
            role=row["role"],
            task_type=row["task_type"],
            model=row["model"],
            usage=_usage(row),
            cost=Decimal(row["cost"]) if row["cost"] is not None else Decimal(0),
            escalated=task_id in escalated,
            task=task,
        )


def _usage(row: Any) -> Usage:
    tokens = [int(row[name] or 0) for name in ("input_tokens", "output_tokens", "cached_tokens")]
    try:
        return Usage(*tokens)
    except ValueError:  # recorded before cached tokens were checked: price what can be
        return Usage(tokens[0], tokens[1], min(tokens[2], tokens[0]))


def _task(doc: str | None) -> RoutedTask:
    view = loads(doc) if doc else {}
    deadline = view.get("deadline")
    return RoutedTask(
        title=view.get("title") or "",
        description=view.get("description") or "",
        task_type=view.get("type") or "implementation",
        tags=tuple(view.get("tags") or ()),
        files_to_modify=tuple(view.get("files_to_modify") or ()),
        deadline=datetime.fromisoformat(deadline.replace("Z", "+00:00")) if deadline else None,
        metadata=view.get("metadata") or {},
    )
