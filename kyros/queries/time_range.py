"""`from`/`to` of the cost ledger and its exports: a half-open UTC range `[from, to)`."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kyros.domain.errors import DomainError

_ISSUE = "Must be an RFC 3339 date-time (2026-11-01T00:00:00Z) or a date (2026-11-01), UTC"


def moment(field: str, raw: str | None) -> datetime | None:
    """A date is its UTC midnight; a date-time without an offset is UTC."""
    if raw is None:
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # not a time, or an offset past year 1 or 9999
        raise DomainError(_ISSUE, field=field) from None


def time_range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """`from` inclusive, `to` exclusive, so `from=2026-11-01&to=2026-12-01` is November and
    consecutive ranges never count an attempt twice; `to` must be after `from`."""
    lower, upper = moment("from", start), moment("to", end)
    if lower is not None and upper is not None and upper <= lower:
        raise DomainError("Must be after from", field="to")
    return lower, upper
