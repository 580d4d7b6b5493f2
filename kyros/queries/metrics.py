"""Performance metrics: per-bucket series over the analytics read model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from kyros.queries.figures import MONEY, TENTHS, exact, money, rounded
from kyros.queries.windows import Buckets
from kyros.readstore.database import Cursor, Database, Row
from kyros.timefmt import from_sortable, iso, sortable

SECONDS = 2  # decimal places of a time in seconds
COUNT_AVERAGE_PLACES = 2  # a count's mean per bucket


@dataclass
class Tally:
    """What happened in one bucket (or in the whole window)."""

    created: int = 0
    submissions: int = 0
    escalations: int = 0
    completed: int = 0
    failed: int = 0
    timed: int = 0
    seconds: Fraction = field(default_factory=Fraction)
    priced: int = 0
    cost: Fraction = field(default_factory=Fraction)
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class Metric:
    """`value` is exact; `places` rounds it (None: a count, shown as is). `summed` metrics
    (counts and sums) average per bucket; the others are ratios, whose `average` is the same
    ratio over every event of the window, not a mean of the bucket values."""

    unit: str
    value: Callable[[Tally], Fraction | int | None]
    places: int | None = None
    summed: bool = False


def _per(part: Fraction | int, whole: int) -> Fraction | None:
    return Fraction(part) / whole if whole else None


METRICS: dict[str, Metric] = {
    "task_completion_rate": Metric(
        "percent", lambda t: _per(100 * t.completed, t.completed + t.failed), TENTHS
    ),
    "average_response_time": Metric("seconds", lambda t: _per(t.seconds, t.timed), SECONDS),
    "cost_per_task": Metric("USD", lambda t: _per(t.cost, t.priced), MONEY),
    "escalation_rate": Metric(
        "percent", lambda t: _per(100 * t.escalations, t.submissions), TENTHS
    ),
    "tasks_created": Metric("count", lambda t: t.created, summed=True),
    "tasks_completed": Metric("count", lambda t: t.completed, summed=True),
    "tasks_failed": Metric("count", lambda t: t.failed, summed=True),
    "total_cost": Metric("USD", lambda t: t.cost, MONEY, summed=True),
    "input_tokens": Metric("tokens", lambda t: t.input_tokens, summed=True),
    "output_tokens": Metric("tokens", lambda t: t.output_tokens, summed=True),
}
SPEC_METRICS = ("task_completion_rate", "average_response_time", "cost_per_task", "escalation_rate")


def performance_metrics(
    db: Database, buckets: Buckets, names: tuple[str, ...], since: datetime | None = None
) -> dict[str, Any]:
    """`buckets` (ISO starts) and, per metric, `data` (one value per bucket; null for a
    ratio with nothing to measure, 0 for an empty count or sum), `unit` and `average`.
    Facts before `since` (the retention's start) count nowhere."""
    tallies = [Tally() for _ in range(buckets.count)]
    total = Tally()
    start = max(buckets.start, since) if since else buckets.start
    with db.transaction(write=False) as tx:
        for at, kind, row in _facts(tx, start, buckets.end):
            index = buckets.index(from_sortable(at))
            if index is not None:
                _add(tallies[index], kind, row)
                _add(total, kind, row)
    return {
        "buckets": [iso(start) for start in buckets.starts()],
        "metrics": {name: _series(METRICS[name], tallies, total) for name in names},
    }


def _series(metric: Metric, tallies: list[Tally], total: Tally) -> dict[str, Any]:
    if metric.summed:
        places = COUNT_AVERAGE_PLACES if metric.places is None else metric.places
        average = _shown(Fraction(metric.value(total) or 0) / len(tallies), places)
    else:
        average = _shown(metric.value(total), metric.places)
    return {
        "data": [_shown(metric.value(t), metric.places) for t in tallies],
        "unit": metric.unit,
        "average": average,
    }


def _shown(value: Fraction | int | None, places: int | None) -> Decimal | int | None:
    if value is None:
        return None
    if places is None:
        return int(value)  # a count
    if places == MONEY:
        return money(Fraction(value))
    return rounded(Fraction(value), places)


_DATED = (
    ("created", "rm_analytics_tasks", "created_at"),
    ("submitted", "rm_analytics_submissions", "submitted_at"),
    ("escalated", "rm_analytics_escalations", "submitted_at"),
)


def _facts(tx: Cursor, start: datetime, end: datetime) -> Iterator[tuple[str, str, Row | None]]:
    """(time, kind, attempt row) of every fact in the window; a window holds few enough rows
    to bucket in Python, which keeps the SQL identical on both stores."""
    window = (sortable(start), sortable(end))
    for kind, table, column in _DATED:
        sql = f"SELECT {column} AS at FROM {table} WHERE {column} >= ? AND {column} < ?"
        for row in tx.execute(sql, window).fetchall():
            yield row["at"], kind, None
    for row in tx.execute(
        "SELECT finished_at, outcome, response_seconds, duration_seconds, cost, input_tokens,"
        " output_tokens FROM rm_analytics_attempts WHERE finished_at >= ? AND finished_at < ?",
        window,
    ).fetchall():
        yield row["finished_at"], row["outcome"], row


def _add(tally: Tally, kind: str, row: Row | None) -> None:
    if kind == "created":
        tally.created += 1
    elif kind == "submitted":
        tally.submissions += 1
    elif kind == "escalated":
        tally.escalations += 1
    elif kind == "failed":
        tally.failed += 1
    elif row is not None:
        _add_completion(tally, row)


def _add_completion(tally: Tally, row: Row) -> None:
    """Response time is what the agent reported, else the claim-to-finish duration."""
    tally.completed += 1
    seconds = row["response_seconds"]
    if seconds is None:
        seconds = row["duration_seconds"]
    if seconds is not None:
        tally.timed += 1
        tally.seconds += exact(float(seconds))
    if row["cost"] is not None:
        tally.priced += 1
        tally.cost += exact(row["cost"])
    tally.input_tokens += row["input_tokens"] or 0
    tally.output_tokens += row["output_tokens"] or 0
