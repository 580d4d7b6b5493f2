"""The retry schedule: exponential backoff with jitter, inside a 24-hour window."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from kyros.webhooks.schedule import RetrySchedule, parse_retry_after

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_delays_double_up_to_the_cap_within_twenty_percent() -> None:
    schedule, rng = RetrySchedule(), random.Random(7)
    for failures, nominal in [(1, 5), (2, 10), (3, 20), (10, 2560), (20, 14400)]:
        delay = schedule.delay(failures, rng)
        assert nominal * 0.8 <= delay <= nominal * 1.2


def test_nothing_is_tried_after_the_window_and_the_last_try_lands_on_its_edge() -> None:
    schedule = RetrySchedule()
    late = T0 + timedelta(hours=23, minutes=59)
    assert schedule.next_attempt(16, T0, late) == T0 + timedelta(hours=24)
    assert schedule.next_attempt(17, T0, T0 + timedelta(hours=24)) is None


def test_the_documented_table_spans_exactly_the_window() -> None:
    table = RetrySchedule().nominal_table()
    assert table[0][:2] == (1, 5)
    assert table[-1][2] == 24 * 3600
    assert len(table) == 17  # 17 retries after the first attempt: 18 attempts in all


def test_a_longer_retry_after_wins_over_the_backoff() -> None:
    following = RetrySchedule().next_attempt(1, T0, T0, retry_after=120)
    assert following == T0 + timedelta(seconds=120)


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    assert parse_retry_after("30", T0) == 30
    assert parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", T0) == 60
    assert parse_retry_after("soon", T0) is None
    assert parse_retry_after(None, T0) is None
