"""The rule each KYROS_* variable must follow, so a bad value is named at start-up."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

from kyros.identity.tokens import MIN_SECRET_BYTES
from kyros.rate_limit_groups import DEFAULT_LIMITS


class SettingError(ValueError):
    """A KYROS_* variable broke its rule; the message names the variable and the rule."""


# Values never echoed in an error: secrets, and URLs that may carry a password.
_SECRETS = frozenset(
    {"jwt_secret", "admin_password", "database_url", "redis_url", "audit_signing_key"}
)

_POSITIVE_INTEGERS = (
    "max_body_bytes",
    "projection_page_size",
    "postgres_pool_size",
    "webhook_rate_per_minute",
    "ws_queue_size",
    "audit_checkpoint_events",
)
_NON_NEGATIVE_INTEGERS = ("ws_resume_events",)
_POSITIVE_NUMBERS = (
    "projection_poll_seconds",
    "webhook_timeout_seconds",
    "webhook_retry_base_seconds",
    "webhook_retry_max_seconds",
    "webhook_retry_window_seconds",
    "webhook_poll_seconds",
    "ws_heartbeat_seconds",
    "ws_auth_timeout_seconds",
    "database_timeout_seconds",  # 0 would fail every query at once
    "redis_timeout_seconds",
    "audit_checkpoint_minutes",
)
_NON_NEGATIVE_NUMBERS = ("read_your_writes_seconds", "startup_timeout_seconds")
_REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def variable(field: str) -> str:
    return f"KYROS_{field.upper()}"


def parse(field: str, raw: str, convert: Callable[[str], object]) -> object:
    """Converts one variable's text, naming the variable (never a secret's value) if it fails."""
    try:
        return convert(raw)
    except ValueError:
        shown = "" if field in _SECRETS else f" (got {raw!r})"
        kind = {int: "an integer", float: "a number"}.get(convert)  # type: ignore[call-overload]
        if kind is None and field == "rate_limits":
            kind = "GROUP=LIMIT pairs separated by commas, e.g. auth=5/minute,default=1000/hour"
        raise SettingError(f"{variable(field)} must be {kind or 'valid'}{shown}") from None


def check(values: dict[str, object]) -> None:
    """Range and format rules for the values read from the environment (and overrides)."""
    for field in _POSITIVE_INTEGERS:
        _require(values, field, lambda v: v >= 1, "must be a positive integer")
    for field in _NON_NEGATIVE_INTEGERS:
        _require(values, field, lambda v: v >= 0, "must be zero or more")
    for field in _POSITIVE_NUMBERS:
        _require(values, field, lambda v: math.isfinite(v) and v > 0, "must be a positive number")
    for field in _NON_NEGATIVE_NUMBERS:
        _require(values, field, lambda v: math.isfinite(v) and v >= 0, "must be zero or more")
    _require(values, "port", lambda v: 1 <= v <= 65_535, "must be a port number, 1 to 65535")
    _require(
        values,
        "jwt_secret",
        lambda v: len(str(v).encode()) >= MIN_SECRET_BYTES,
        f"must be at least {MIN_SECRET_BYTES} bytes",
    )
    _require(
        values,
        "database_url",
        lambda v: urlsplit(v).port or True,  # reading the port raises on a malformed one
        "must be a URL like postgresql://user:password@host:5432/database",
    )
    _require(
        values,
        "redis_url",
        lambda v: urlsplit(str(v)).scheme in _REDIS_SCHEMES,
        "must be a redis:// or rediss:// URL",
    )
    for field in ("trusted_proxies", "webhook_allowed_networks"):
        _require(
            values, field, _networks, "must be IP addresses or CIDR networks separated by commas"
        )
    _check_rate_limits(values.get("rate_limits"))


def _require(values: dict[str, object], field: str, rule: Callable[[Any], bool], says: str) -> None:
    if field not in values:
        return
    value = values[field]
    try:
        holds = rule(value)
    except (TypeError, ValueError):
        holds = False
    if not holds:
        shown = "" if field in _SECRETS else f" (got {value!r})"
        raise SettingError(f"{variable(field)} {says}{shown}")


def _networks(value: Any) -> bool:
    for cidr in value:
        ipaddress.ip_network(cidr, strict=False)
    return True


def _check_rate_limits(limits: Any) -> None:
    for group, spec in (limits or {}).items():
        if group not in DEFAULT_LIMITS:
            known = ", ".join(DEFAULT_LIMITS)
            raise SettingError(f"KYROS_RATE_LIMITS: unknown group {group!r}; one of {known}")
        try:
            single = len(parse_many(spec)) == 1
        except ValueError:
            single = False
        if not single:
            raise SettingError(
                f"KYROS_RATE_LIMITS: the limit for {group} must be one limit such as 5/minute"
                f" (got {spec!r})"
            )
