"""How long the SDK waits before a retry, read from the server's headers (no I/O)."""

from __future__ import annotations

import email.utils
import time

from kyros_client._core import RetryPolicy, retry_after


def test_retry_after_in_seconds_or_as_a_date_is_honoured() -> None:
    assert retry_after(503, {"retry-after": "3"}) == 3.0
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    assert 100 < (retry_after(503, {"retry-after": later}) or 0) <= 120


def test_a_429_without_retry_after_waits_for_the_rate_limit_window() -> None:
    assert retry_after(429, {"ratelimit": "limit=5, remaining=0, reset=7"}) == 7.0
    assert retry_after(429, {"x-ratelimit-reset": "12"}) == 12.0
    assert 50 < (retry_after(429, {"x-ratelimit-reset": str(int(time.time()) + 60)}) or 0) <= 60
    assert retry_after(503, {"x-ratelimit-reset": "12"}) is None


def test_the_policy_backs_off_with_jitter_and_gives_up_past_its_limits() -> None:
    policy = RetryPolicy(max_retries=3, initial_wait=1.0, max_wait=30.0)
    assert [0.8 <= policy.wait(0, None) <= 1.2, 3.2 <= policy.wait(2, None) <= 4.8] == [True, True]
    assert policy.wait(3, None) is None  # out of retries
    assert policy.wait(0, 31.0) is None  # the server asks for longer than we would wait
    assert policy.wait(0, 5.0) == 5.0
