"""When to try a failed delivery again: exponential backoff with jitter inside a time window."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

JITTER = 0.2  # each delay is scaled by a uniform factor in [0.8, 1.2]


@dataclass(frozen=True)
class RetrySchedule:
    """Delay after the n-th failed attempt: base x 2^(n-1), capped, jittered; nothing is tried
    after `window` from the first attempt's due time, and the last try lands on that edge."""

    base: float = 5.0
    cap: float = 4 * 3600.0
    window: float = 24 * 3600.0

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        nominal = min(self.base * 2 ** max(failures - 1, 0), self.cap)
        factor = 1 + JITTER * (2 * (rng or random).random() - 1)
        return nominal * factor

    def next_attempt(
        self,
        failures: int,
        first_due: datetime,
        now: datetime,
        retry_after: float | None = None,
    ) -> datetime | None:
        """None when the window is spent; a receiver's Retry-After is honoured when longer."""
        deadline = first_due + timedelta(seconds=self.window)
        if now >= deadline:
            return None
        wait = max(self.delay(failures), retry_after or 0.0)
        return min(now + timedelta(seconds=wait), deadline)

    def nominal_table(self) -> list[tuple[int, float, float]]:
        """(failures, delay, time since the first attempt), jitter left out: the README's table."""
        rows, elapsed, n = [], 0.0, 1
        while elapsed < self.window:
            wait = min(self.base * 2 ** (n - 1), self.cap, self.window - elapsed)
            elapsed += wait
            rows.append((n, wait, elapsed))
            n += 1
        return rows


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - now).total_seconds(), 0.0)
