"""Process settings, read once from KYROS_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import msgspec

from kyros.identity.oauth2_providers import ProviderConfig, providers_from_env
from kyros.settings_rules import check, parse


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything an operator can set; the defaults run on SQLite with nothing configured."""

    data_dir: Path = Path("var")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1_048_576
    projection_page_size: int = 500
    projection_poll_seconds: float = 0.5
    read_your_writes_seconds: float = 5.0
    postgres_pool_size: int = 10
    database_timeout_seconds: float = 5.0  # longest wait for a connection, a transaction, a lock
    redis_url: str | None = None
    redis_timeout_seconds: float = 1.0  # longest wait for Redis before limits fail open
    trusted_proxies: tuple[str, ...] = ()
    rate_limits: dict[str, str] = {}
    jwt_secret: str | None = None
    admin_username: str | None = None
    admin_password: str | None = None
    models_file: Path | None = None  # JSON models added to (or overriding) the built-in catalog
    agent_lease_seconds: float = 60.0  # a claimed submission returns to the queue this long
    agent_max_retries: int = 1  # after the agent's last heartbeat; retries on the fallback model
    webhook_allow_private: bool = False
    webhook_allowed_networks: tuple[str, ...] = ()
    webhook_timeout_seconds: float = 10.0
    webhook_retry_base_seconds: float = 5.0
    webhook_retry_max_seconds: float = 4 * 3600.0
    webhook_retry_window_seconds: float = 24 * 3600.0
    webhook_rate_per_minute: int = 50
    webhook_poll_seconds: float = 0.5
    ws_resume_events: int = 10_000
    ws_queue_size: int = 1_000
    ws_heartbeat_seconds: float = 15.0
    ws_auth_timeout_seconds: float = 10.0
    ws_compression: bool = False  # permessage-deflate when a client offers it
    oauth2_default_role: str = "viewer"  # the role of a user first seen through a provider
    oauth2_allow_insecure_loopback: bool = False  # plain http to 127.0.0.1: tests, local IdPs
    oauth2_providers: dict[str, ProviderConfig] = {}  # from KYROS_OAUTH2_<NAME>_* variables
    log_format: str = "text"  # or "json": one JSON object per log line
    startup_timeout_seconds: float = 10.0  # how long to wait for a locked or unreachable store
    audit_checkpoint_events: int = 1000  # a signed checkpoint once this many events are chained
    audit_checkpoint_minutes: float = 5.0  # or once this long has passed since the last one
    audit_signing_key: str | None = None  # base64 Ed25519 key; else generated in data_dir

    def __repr__(self) -> str:
        """Secrets never reach a log through a printed Settings."""
        shown = {
            f: "'***'" if f in _SECRET_FIELDS and getattr(self, f) else repr(getattr(self, f))
            for f in self.__struct_fields__
        }
        return f"Settings({', '.join(f'{k}={v}' for k, v in shown.items())})"

    @property
    def is_postgres(self) -> bool:
        return self.database_url is not None

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "kyros.sqlite3"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field, convert in _ENV_FIELDS.items():
            raw = env.get(f"KYROS_{field.upper()}")
            if raw not in (None, ""):
                values[field] = parse(field, raw, convert)
        if providers := providers_from_env(env):
            values["oauth2_providers"] = providers
        values.update({k: v for k, v in overrides.items() if v is not None})
        check(values)
        url = values.get("database_url")
        if url is not None and not str(url).startswith(("postgresql://", "postgres://")):
            raise ValueError("KYROS_DATABASE_URL must be a postgresql:// URL")
        if not 0 < float(str(values.get("agent_lease_seconds", 60))) <= 86_400:
            raise ValueError("KYROS_AGENT_LEASE_SECONDS must be above 0 and at most 86400")
        if not 0 <= int(str(values.get("agent_max_retries", 1))) <= 10:
            raise ValueError("KYROS_AGENT_MAX_RETRIES must be between 0 and 10")
        if values.get("log_format", "text") not in ("text", "json"):
            raise ValueError("KYROS_LOG_FORMAT must be text or json")
        return cls(**values)  # type: ignore[arg-type]


def _flag(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _limits(raw: str) -> dict[str, str]:
    """`auth=5/minute,task_create=100/hour` → {"auth": "5/minute", ...}."""
    pairs = (part.split("=", 1) for part in _csv(raw))
    return {group.strip(): spec.strip() for group, spec in pairs}


_ENV_FIELDS: dict[str, Callable[[str], object]] = {
    "data_dir": Path,
    "database_url": str,
    "host": str,
    "port": int,
    "max_body_bytes": int,
    "projection_page_size": int,
    "projection_poll_seconds": float,
    "read_your_writes_seconds": float,
    "postgres_pool_size": int,
    "database_timeout_seconds": float,
    "redis_url": str,
    "redis_timeout_seconds": float,
    "trusted_proxies": _csv,
    "rate_limits": _limits,
    "jwt_secret": str,
    "admin_username": str,
    "admin_password": str,
    "models_file": Path,
    "agent_lease_seconds": float,
    "agent_max_retries": int,
    "webhook_allow_private": _flag,
    "webhook_allowed_networks": _csv,
    "webhook_timeout_seconds": float,
    "webhook_retry_base_seconds": float,
    "webhook_retry_max_seconds": float,
    "webhook_retry_window_seconds": float,
    "webhook_rate_per_minute": int,
    "webhook_poll_seconds": float,
    "ws_resume_events": int,
    "ws_queue_size": int,
    "ws_heartbeat_seconds": float,
    "ws_auth_timeout_seconds": float,
    "ws_compression": _flag,
    "oauth2_default_role": str,
    "oauth2_allow_insecure_loopback": _flag,
    "log_format": lambda raw: raw.strip().lower(),
    "startup_timeout_seconds": float,
    "audit_checkpoint_events": int,
    "audit_checkpoint_minutes": float,
    "audit_signing_key": str,
}
_SECRET_FIELDS = frozenset({"jwt_secret", "admin_password", "audit_signing_key"})
