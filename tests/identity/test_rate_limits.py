"""Rate limiting against in-memory storage and a real Redis."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from limits.errors import StorageError

from kyros.http.rate_limiter import (
    MemoryWindows,
    RateLimiter,
    RateLimitResult,
    UnknownRateLimitGroup,
    client_identity,
    encoded_headers,
    headers,
)
from kyros.rate_limit_groups import DEFAULT_LIMITS

REDIS_URL = os.environ.get("KYROS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MakeLimiter = Callable[..., RateLimiter]


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    """Skipped without Redis on a newcomer's machine, but a failure in CI."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client: redis.Redis) -> Iterator[str]:
    prefix = f"kyros-test-{uuid.uuid4().hex}"
    yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> MakeLimiter:
    if request.param == "memory":
        return lambda **kwargs: RateLimiter(**kwargs)
    prefix = request.getfixturevalue("redis_prefix")
    return lambda **kwargs: RateLimiter(REDIS_URL, key_prefix=prefix, **kwargs)


def test_the_default_limits_are_the_specs(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    policies = {group: limiter.hit(group, "client").policy for group in DEFAULT_LIMITS}
    assert policies == {
        "auth": "5;w=60",
        "task_create": "100;w=3600",
        "model_select": "200;w=3600",
        "monitoring": "1000;w=3600",
        "webhooks": "100;w=60",
        "agent_work": "20000;w=3600",
        "default": "1000;w=3600",
    }


def test_auth_allows_five_requests_a_minute_then_refuses(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    results = [limiter.hit("auth", "1.2.3.4") for _ in range(6)]
    assert [r.allowed for r in results] == [True] * 5 + [False]
    assert [r.remaining for r in results] == [4, 3, 2, 1, 0, 0]
    assert {r.limit for r in results} == {5}


def test_a_refused_hit_says_when_to_retry(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(overrides={"auth": "1/minute"})
    first = limiter.hit("auth", "1.2.3.4")
    refused = limiter.hit("auth", "1.2.3.4")
    assert (first.retry_after_seconds, refused.allowed) == (0, False)
    assert 1 <= refused.retry_after_seconds <= 60
    assert refused.reset_epoch_seconds == first.reset_epoch_seconds
    assert 0 < refused.reset_epoch_seconds - time.time() <= 61  # rounded up to whole seconds


def test_groups_have_separate_counters(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    for _ in range(6):
        limiter.hit("auth", "1.2.3.4")
    assert not limiter.hit("auth", "1.2.3.4").allowed
    other = limiter.hit("task_create", "1.2.3.4")
    assert (other.allowed, other.remaining) == (True, 99)


def test_groups_with_identical_limits_still_have_separate_counters(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(overrides={"auth": "1/minute", "webhooks": "1/minute"})
    assert limiter.hit("auth", "1.2.3.4").allowed
    assert not limiter.hit("auth", "1.2.3.4").allowed
    assert limiter.hit("webhooks", "1.2.3.4").allowed


def test_identities_have_separate_counters(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(overrides={"auth": "1/minute"})
    assert limiter.hit("auth", "1.2.3.4").allowed
    assert not limiter.hit("auth", "1.2.3.4").allowed
    assert limiter.hit("auth", "5.6.7.8").allowed


def test_the_window_frees_up_and_refused_hits_were_not_counted(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(overrides={"auth": "1/second"})
    assert limiter.hit("auth", "client").allowed
    assert not any(limiter.hit("auth", "client").allowed for _ in range(5))
    time.sleep(1.1)
    assert limiter.hit("auth", "client").allowed


def test_overrides_replace_a_limit_and_can_add_a_group(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(overrides={"auth": "2/minute", "exports": "3/day"})
    assert [limiter.hit("auth", "c").allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("exports", "c").policy == "3;w=86400"


def test_an_unknown_group_is_an_error_rather_than_a_fallback(make_limiter: MakeLimiter) -> None:
    with pytest.raises(UnknownRateLimitGroup):
        make_limiter().hit("authh", "client")


def test_an_empty_identity_is_refused(make_limiter: MakeLimiter) -> None:
    with pytest.raises(ValueError, match="identity"):
        make_limiter().hit("auth", "")


@pytest.mark.parametrize(
    "overrides",
    [{"auth": "5/minute;100/hour"}, {"auth": "lots"}, {"Bad/Group": "5/minute"}],
)
def test_an_invalid_override_is_rejected_at_construction(overrides: dict[str, str]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case fails with its own message
        RateLimiter(overrides=overrides)


def test_two_limiters_sharing_redis_share_one_counter(redis_prefix: str) -> None:
    first = RateLimiter(REDIS_URL, overrides={"auth": "2/minute"}, key_prefix=redis_prefix)
    second = RateLimiter(REDIS_URL, overrides={"auth": "2/minute"}, key_prefix=redis_prefix)
    assert first.hit("auth", "c").allowed
    assert second.hit("auth", "c").remaining == 0
    assert not first.hit("auth", "c").allowed


def test_limiters_with_different_redis_prefixes_do_not_share(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    other_prefix = f"{redis_prefix}-other"
    try:
        first = RateLimiter(REDIS_URL, overrides={"auth": "1/minute"}, key_prefix=redis_prefix)
        second = RateLimiter(REDIS_URL, overrides={"auth": "1/minute"}, key_prefix=other_prefix)
        assert first.hit("auth", "c").allowed
        assert second.hit("auth", "c").allowed
    finally:
        redis_client.delete(*redis_client.scan_iter(f"{other_prefix}:*"))


def test_the_counters_live_under_the_given_redis_prefix(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    RateLimiter(REDIS_URL, key_prefix=redis_prefix).hit("auth", "c")
    assert len(list(redis_client.scan_iter(f"{redis_prefix}:*"))) == 1


def test_in_memory_limiters_do_not_share_counters() -> None:
    first, second = (
        RateLimiter(overrides={"auth": "1/minute"}),
        RateLimiter(overrides={"auth": "1/minute"}),
    )
    assert first.hit("auth", "c").allowed
    assert second.hit("auth", "c").allowed


def test_an_unreachable_redis_raises_a_storage_error() -> None:
    limiter = RateLimiter("redis://127.0.0.1:1/0", key_prefix="unused")
    with pytest.raises(StorageError):
        limiter.hit("auth", "c")


def _result(allowed: bool) -> RateLimitResult:
    return RateLimitResult(
        allowed=allowed,
        limit=5,
        remaining=3 if allowed else 0,
        reset_epoch_seconds=1_700_000_060,
        reset_after_seconds=42,
        retry_after_seconds=0 if allowed else 42,
        policy="5;w=60",
    )


def test_an_allowed_result_yields_the_spec_and_ietf_headers_without_retry_after() -> None:
    assert headers(_result(allowed=True)) == {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "3",
        "X-RateLimit-Reset": "1700000060",
        "RateLimit": "limit=5, remaining=3, reset=42",
        "RateLimit-Policy": "5;w=60",
    }


def test_a_refused_result_adds_retry_after() -> None:
    fields = headers(_result(allowed=False))
    assert fields["Retry-After"] == "42"
    assert fields["X-RateLimit-Remaining"] == "0"


@pytest.mark.parametrize("allowed", [True, False])
def test_the_encoded_headers_are_the_headers_as_an_answer_carries_them(allowed: bool) -> None:
    result = _result(allowed=allowed)
    spelled = [(k.lower().encode(), v.encode()) for k, v in headers(result).items()]
    assert encoded_headers(result) == spelled


PROXIES = ["10.0.0.0/8", "fd00::/8"]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.7", "6.6.6.6", "203.0.113.7"),
        ("10.0.0.1", None, "10.0.0.1"),
        ("10.0.0.1", "", "10.0.0.1"),
        ("10.0.0.1", "198.51.100.2", "198.51.100.2"),
        ("10.0.0.1", "6.6.6.6, 198.51.100.2", "198.51.100.2"),
        ("10.0.0.1", "6.6.6.6, 198.51.100.2, 10.0.0.9, 10.1.2.3", "198.51.100.2"),
        ("10.0.0.1", "10.0.0.7, 10.0.0.8", "10.0.0.7"),
        ("10.0.0.1", "198.51.100.2, not-an-ip", "10.0.0.1"),
        ("10.0.0.1", "198.51.100.2:4711", "198.51.100.2"),
        ("10.0.0.1", "[2001:db8::1]:443", "2001:db8::/64"),
        ("fd00::1", "198.51.100.2", "198.51.100.2"),
        ("::ffff:203.0.113.7", "6.6.6.6", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", None, "2001:db8:1:2::/64"),
        ("testclient", "6.6.6.6", "testclient"),
        ("", None, "unknown"),
    ],
)
def test_the_client_identity_trusts_forwarded_for_only_through_trusted_proxies(
    peer: str, forwarded: str | None, expected: str
) -> None:
    assert client_identity(peer, forwarded, PROXIES) == expected


def test_an_ipv6_client_can_be_identified_by_its_full_address() -> None:
    assert client_identity("2001:db8::1", None, [], ipv6_prefix=128) == "2001:db8::1"


def test_a_malformed_trusted_proxy_cidr_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="does not appear to be"):
        client_identity("10.0.0.1", "1.2.3.4", ["10.0.0.0/33"])


def test_a_hit_that_sets_off_the_idle_sweep_still_counts() -> None:
    class SweepingEveryHit(MemoryWindows):
        _SWEEP_EVERY = 1

    windows = SweepingEveryHit()
    assert windows.hit("key", 1, 60)[0]
    assert not windows.hit("key", 1, 60)[0]  # the first was kept, not swept with its new key
