"""Per-group, per-client moving-window rate limits, in memory or shared through Redis."""

from __future__ import annotations

import ipaddress
import math
import re
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from kyros.rate_limit_groups import DEFAULT_LIMITS

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Group names become part of storage keys, so they must not contain the "/" separator.
_GROUP_NAME = re.compile(r"[a-z][a-z0-9_]*")


class UnknownRateLimitGroup(ValueError):
    """A typo in a group name must not silently fall back to some other limit."""


@dataclass(frozen=True, slots=True)
class RateLimitResult:
    allowed: bool
    limit: int
    remaining: int
    reset_epoch_seconds: int  # Unix time at which the oldest hit in the window expires
    reset_after_seconds: int  # the same moment, as seconds from the hit
    retry_after_seconds: int  # 0 when allowed, at least 1 when refused
    policy: str  # IETF draft form, e.g. "5;w=60"


class MemoryWindows:
    """The moving window in this process: per key, the times of the hits still inside it.

    The same answers as `limits`' moving window on its memory storage, which prepends every hit
    to a list (O(n) per hit); here a hit appends to a deque and expired hits leave from its
    other end, so a hit costs O(1) amortised. A key holds at most `limit` times, since a
    refused hit records nothing; keys whose hits have all expired are swept now and then.
    """

    _SWEEP_EVERY = 10_000  # hits between sweeps of idle keys

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._until_sweep = self._SWEEP_EVERY

    def hit(self, key: str, limit: int, expiry: int) -> tuple[bool, float, int]:
        """Whether the hit is allowed (and so recorded), then the window as `window` gives it
        after the hit: one pass under the lock instead of a hit, then a look."""
        with self._lock:
            now = time.time()
            self._until_sweep -= 1
            if self._until_sweep <= 0:  # before the look: a swept key's hits would be lost
                self._sweep(now)
            hits = self._current(key, now - expiry)
            allowed = len(hits) < limit
            if allowed:
                hits.append(now)
            return allowed, (hits[0] if hits else now), len(hits)

    def window(self, key: str, expiry: int) -> tuple[float, int]:
        """The oldest hit inside the window (or now) and how many hits it holds."""
        with self._lock:
            now = time.time()
            hits = self._current(key, now - expiry)
            return (hits[0] if hits else now), len(hits)

    def _current(self, key: str, start: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        while hits and hits[0] < start:
            hits.popleft()
        return hits

    def _sweep(self, now: float) -> None:
        self._until_sweep = self._SWEEP_EVERY
        horizon = now - _LONGEST_WINDOW_SECONDS
        idle = [key for key, hits in self._hits.items() if not hits or hits[-1] < horizon]
        for key in idle:
            del self._hits[key]


_LONGEST_WINDOW_SECONDS = 86_400 * 31  # no configured window is longer than a month


class RateLimiter:
    """Counts hits per (group, identity) in a moving window.

    With a Redis URL every instance sharing the URL and key prefix shares the counters (the
    `limits` moving window); without one, the counts are this instance's (`MemoryWindows`).
    Storage failures raise `limits.errors.StorageError`, leaving fail-open or fail-closed to
    the caller.
    """

    def __init__(
        self,
        storage_url: str | None = None,
        overrides: Mapping[str, str] | None = None,
        key_prefix: str = "kyros-ratelimit",
        timeout_seconds: float = 1.0,
    ) -> None:
        specs = {**DEFAULT_LIMITS, **(overrides or {})}
        self._items = {group: _parse_limit(group, spec) for group, spec in specs.items()}
        # Per group, what every hit in memory uses: its limit, window and policy, worked out once
        self._shapes = {group: _Shape(item) for group, item in self._items.items()}
        # A Redis that accepts connections but never answers must not hold a request for ever.
        bounds = {"socket_timeout": timeout_seconds, "socket_connect_timeout": timeout_seconds}
        self._memory = None if storage_url else MemoryWindows()
        self._strategy = None
        if storage_url:
            storage = storage_from_string(
                storage_url, wrap_exceptions=True, key_prefix=key_prefix, **bounds
            )
            self._strategy = MovingWindowRateLimiter(storage)

    def limit_for(self, group: str) -> RateLimitItem:
        try:
            return self._items[group]
        except KeyError:
            raise UnknownRateLimitGroup(group) from None

    def hit(self, group: str, identity: str) -> RateLimitResult:
        """Record one request, or refuse it without recording when the window is full."""
        item = self.limit_for(group)
        if not identity:
            raise ValueError("identity must be non-empty")
        if self._memory is not None:
            shape = self._shapes[group]  # the key needs no escaping: group names have no "/"
            allowed, start, count = self._memory.hit(f"{group}/{identity}", *shape.window)
            return shape.result(allowed, start + shape.expiry, shape.amount - count)
        allowed = self._strategy.hit(item, group, identity)  # type: ignore[union-attr]
        return self._standing(item, group, identity, allowed)

    def peek(self, group: str, identity: str) -> RateLimitResult:
        """The standing `hit` would start from, recording nothing (always allowed)."""
        item = self.limit_for(group)
        if not identity:
            raise ValueError("identity must be non-empty")
        return self._standing(item, group, identity, allowed=True)

    def _standing(
        self, item: RateLimitItem, group: str, identity: str, allowed: bool
    ) -> RateLimitResult:
        shape = self._shapes[group]
        if self._memory is not None:
            start, count = self._memory.window(f"{group}/{identity}", shape.expiry)
            return shape.result(allowed, start + shape.expiry, shape.amount - count)
        stats = self._strategy.get_window_stats(item, group, identity)  # type: ignore[union-attr]
        return shape.result(allowed, stats.reset_time, stats.remaining)


class _Shape:
    """A limit's figures, read from its `RateLimitItem` once rather than on every hit."""

    __slots__ = ("amount", "expiry", "policy", "window")

    def __init__(self, item: RateLimitItem) -> None:
        self.amount, self.expiry = item.amount, item.get_expiry()
        self.window = (self.amount, self.expiry)
        self.policy = f"{item.amount};w={self.expiry}"

    def result(self, allowed: bool, reset_at: float, remaining: int) -> RateLimitResult:
        reset_after = max(0, math.ceil(reset_at - time.time()))
        return RateLimitResult(
            allowed=allowed,
            limit=self.amount,
            remaining=max(0, remaining),
            reset_epoch_seconds=math.ceil(reset_at),
            reset_after_seconds=reset_after,
            retry_after_seconds=0 if allowed else max(1, reset_after),
            policy=self.policy,
        )


def headers(result: RateLimitResult) -> dict[str, str]:
    """The spec's X-RateLimit-* headers plus the IETF draft RateLimit and RateLimit-Policy."""
    fields = {
        "X-RateLimit-Limit": str(result.limit),
        "X-RateLimit-Remaining": str(result.remaining),
        "X-RateLimit-Reset": str(result.reset_epoch_seconds),
        "RateLimit": (
            f"limit={result.limit}, remaining={result.remaining}, "
            f"reset={result.reset_after_seconds}"
        ),
        "RateLimit-Policy": result.policy,
    }
    if not result.allowed:
        fields["Retry-After"] = str(result.retry_after_seconds)
    return fields


def encoded_headers(result: RateLimitResult) -> list[tuple[bytes, bytes]]:
    """`headers` as an ASGI message carries them (lower-case names, latin-1 bytes), built
    directly: every answer carries them."""
    limit, remaining = str(result.limit), str(result.remaining)
    fields = [
        (b"x-ratelimit-limit", limit.encode()),
        (b"x-ratelimit-remaining", remaining.encode()),
        (b"x-ratelimit-reset", str(result.reset_epoch_seconds).encode()),
        (
            b"ratelimit",
            f"limit={limit}, remaining={remaining}, reset={result.reset_after_seconds}".encode(),
        ),
        (b"ratelimit-policy", result.policy.encode("latin-1")),
    ]
    if not result.allowed:
        fields.append((b"retry-after", str(result.retry_after_seconds).encode()))
    return fields


def client_identity(
    peer_ip: str,
    x_forwarded_for: str | None,
    trusted_proxies: Sequence[str],
    ipv6_prefix: int = 64,
) -> str:
    """The address to rate-limit: X-Forwarded-For is believed only as far as trusted hops.

    Walks the chain from the right (the hop our own proxy appended) and stops at the first
    address that is not a trusted proxy, so a client cannot pick its identity by sending a
    forged header. Several X-Forwarded-For headers must be joined with "," in order. IPv6
    clients are grouped by their /64 (`ipv6_prefix`), since one host can own a whole /64.
    """
    networks = _networks(tuple(trusted_proxies))
    client = _parse_ip(peer_ip)
    if client is None:
        return peer_ip or "unknown"
    if x_forwarded_for and _is_trusted(client, networks):
        for hop in reversed(x_forwarded_for.split(",")):
            address = _parse_ip(hop)
            if address is None:
                break
            client = address
            if not _is_trusted(address, networks):
                break
    if isinstance(client, ipaddress.IPv6Address) and ipv6_prefix < 128:
        return str(ipaddress.ip_network(f"{client}/{ipv6_prefix}", strict=False))
    return str(client)


def _parse_limit(group: str, spec: str) -> RateLimitItem:
    if not _GROUP_NAME.fullmatch(group):
        raise ValueError(f"invalid rate limit group name: {group!r}")
    items = parse_many(spec)
    if len(items) != 1:
        raise ValueError(f"rate limit for {group!r} must be a single limit such as '5/minute'")
    return items[0]


@lru_cache(maxsize=32)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Parsed once per distinct configuration; a bad CIDR is a configuration error."""
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs)


def _is_trusted(
    address: IPAddress, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    return any(address in network for network in networks)


def _parse_ip(value: str) -> IPAddress | None:
    """Accepts "1.2.3.4", "1.2.3.4:5678", "::1" and "[::1]:443"; None for anything else."""
    text = value.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
