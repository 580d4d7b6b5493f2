"""What part of a metrics window the retention still holds (monitoring.metrics_retention_days)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from kyros.projections.analytics_retention import purged_before
from kyros.queries.windows import Buckets
from kyros.readstore.database import Database
from kyros.timefmt import iso


def retained_from(db: Database, days: int, at: datetime) -> datetime:
    """The retention's start, or later where a purge under a shorter retention already
    removed more (raising the retention does not bring purged facts back)."""
    since = at - timedelta(days=days)
    purged = purged_before(db)
    return max(since, purged) if purged else since


def retained(buckets: Buckets, since: datetime) -> Buckets:
    """Only the buckets that end after `since`: the first may hold part of its span."""
    dropped = next(
        (i for i, start in enumerate(buckets.starts()) if start + buckets.width > since), 0
    )
    return replace(
        buckets, start=buckets.start + dropped * buckets.width, count=buckets.count - dropped
    )


def retention_note(days: int, since: datetime, start: datetime) -> dict[str, Any]:
    """What the answer says of the retention; `truncated` when the period reaches past it."""
    return {"days": days, "retained_from": iso(since), "truncated": start < since}
