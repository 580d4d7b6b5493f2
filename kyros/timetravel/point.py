"""Where in the log a read of the past stands: `as_of` (an instant) or `as_of_position`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from kyros.domain.errors import DomainError
from kyros.eventstore.application import KyrosApplication
from kyros.readstore.database import Database
from kyros.timetravel.log import first_at_or_after, last_at_or_before, log_head

MAX_INSTANT_LENGTH = 64
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})"
)
_FORMAT = "Must be an RFC 3339 date-time with an offset, e.g. 2026-01-15T10:30:00Z"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Point:
    """A log position and the instant it stands for (a budget's period is the one holding
    `instant`); `field` is the query parameter it came from, named by any refusal."""

    position: int
    instant: datetime
    field: str


def parse_instant(raw: str, field: str = "as_of") -> datetime:
    """RFC 3339: a date, a time and an offset (`Z` or `±hh:mm`); anything else is refused.
    Fractions past microseconds are cut (the log's stamps have no finer grain)."""
    match = _RFC3339.fullmatch(raw.strip()) if len(raw) <= MAX_INSTANT_LENGTH else None
    if match is None:
        raise DomainError(_FORMAT, field=field)
    date, clock, fraction, offset = match.groups()
    text = f"{date}T{clock}{(fraction or '')[:7]}{'+00:00' if offset in 'Zz' else offset}"
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):  # a 13th month, a 61st second, before year 1
        raise DomainError(_FORMAT, field=field) from None


def resolve(
    app: KyrosApplication,
    db: Database,
    as_of: str | None,
    as_of_position: int | None,
    now: datetime,
) -> Point | None:
    """None when neither is given (a read of the present). An instant resolves to the last
    event stamped at or before it; a position past the head or an instant in the future is
    refused: the log cannot answer for what has not happened yet."""
    if as_of is None and as_of_position is None:
        return None
    if as_of is not None and as_of_position is not None:
        raise DomainError("Give as_of or as_of_position, not both", field="as_of_position")
    head = log_head(db)
    if as_of_position is not None:
        if as_of_position < 0:
            raise DomainError("Must be a log position (0 or more)", field="as_of_position")
        if as_of_position > head:
            raise DomainError(f"Is past the log's head (position {head})", field="as_of_position")
        return Point(as_of_position, _instant_at(app, db, as_of_position), "as_of_position")
    assert as_of is not None
    instant = parse_instant(as_of)
    if instant > now:
        raise DomainError("Must not be in the future", field="as_of")
    return Point(_position_at(app, db, instant, head), instant, "as_of")


def _instant_at(app: KyrosApplication, db: Database, position: int) -> datetime:
    """When the log stood at `position`: its last event's stamp there."""
    with db.transaction(write=False) as tx:
        found = last_at_or_before(tx, db.dialect, position)
    return app.mapper.to_domain_event(found[1]).timestamp if found else _EPOCH


def _position_at(app: KyrosApplication, db: Database, instant: datetime, head: int) -> int:
    """The last position whose event is stamped at or before `instant`, by bisection: the log
    is stamped in commit order (to within a group commit's gather time), so about log2(head)
    events are read and decoded, however long the log."""
    decode = app.mapper.to_domain_event
    low, high = 1, head + 1  # the least p whose first event at or after p is later than instant
    with db.transaction(write=False) as tx:
        while low < high:
            middle = (low + high) // 2
            found = first_at_or_after(tx, db.dialect, middle)
            if found is None or decode(found[1]).timestamp > instant:
                high = middle
            else:
                low = middle + 1
    return low - 1
