"""Every KYROS_* variable that breaks its rule is named, with the rule, at start-up."""

from __future__ import annotations

import pytest

from kyros.settings import Settings


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("KYROS_PORT", "eighty", "KYROS_PORT must be an integer (got 'eighty')"),
        ("KYROS_PORT", "70000", "KYROS_PORT must be a port number, 1 to 65535 (got 70000)"),
        ("KYROS_PORT", "0", "KYROS_PORT must be a port number, 1 to 65535 (got 0)"),
        ("KYROS_POSTGRES_POOL_SIZE", "-1", "KYROS_POSTGRES_POOL_SIZE must be a positive integer"),
        ("KYROS_MAX_BODY_BYTES", "0", "KYROS_MAX_BODY_BYTES must be a positive integer"),
        ("KYROS_WS_RESUME_EVENTS", "-5", "KYROS_WS_RESUME_EVENTS must be zero or more"),
        ("KYROS_DATABASE_URL", "mysql://db/kyros", "KYROS_DATABASE_URL must be a postgresql://"),
        ("KYROS_DATABASE_URL", "postgresql://db:port/kyros", "KYROS_DATABASE_URL must be a URL"),
        ("KYROS_JWT_SECRET", "not-long-enough", "KYROS_JWT_SECRET must be at least 32 bytes"),
        ("KYROS_RATE_LIMITS", "auth", "KYROS_RATE_LIMITS must be GROUP=LIMIT pairs"),
        ("KYROS_RATE_LIMITS", "auth=lots", "the limit for auth must be one limit such as"),
        ("KYROS_RATE_LIMITS", "auth=5/minute;6/hour", "the limit for auth must be one limit"),
        ("KYROS_RATE_LIMITS", "login=5/minute", "KYROS_RATE_LIMITS: unknown group 'login'"),
        ("KYROS_PROJECTION_POLL_SECONDS", "-0.5", "must be a positive number (got -0.5)"),
        ("KYROS_DATABASE_TIMEOUT_SECONDS", "0", "must be a positive number (got 0.0)"),
        ("KYROS_REDIS_TIMEOUT_SECONDS", "-1", "must be a positive number (got -1.0)"),
        (
            "KYROS_WEBHOOK_TIMEOUT_SECONDS",
            "nan",
            "KYROS_WEBHOOK_TIMEOUT_SECONDS must be a positive",
        ),
        ("KYROS_READ_YOUR_WRITES_SECONDS", "-1", "KYROS_READ_YOUR_WRITES_SECONDS must be zero"),
        ("KYROS_STARTUP_TIMEOUT_SECONDS", "soon", "KYROS_STARTUP_TIMEOUT_SECONDS must be a number"),
        ("KYROS_TRUSTED_PROXIES", "10.0.0.0/33", "KYROS_TRUSTED_PROXIES must be IP addresses"),
        ("KYROS_WEBHOOK_ALLOWED_NETWORKS", "lan", "KYROS_WEBHOOK_ALLOWED_NETWORKS must be IP"),
        ("KYROS_REDIS_URL", "http://cache:6379", "KYROS_REDIS_URL must be a redis://"),
        ("KYROS_LOG_FORMAT", "xml", "KYROS_LOG_FORMAT must be text or json"),
        ("KYROS_AGENT_MAX_RETRIES", "many", "KYROS_AGENT_MAX_RETRIES must be an integer"),
    ],
)
def test_a_malformed_variable_is_named_with_its_rule(variable: str, value: str, says: str) -> None:
    with pytest.raises(ValueError, match=r"^KYROS_") as raised:
        Settings.from_env({variable: value})
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KYROS_JWT_SECRET", "short-secret-value"),
        ("KYROS_DATABASE_URL", "postgresql://kyros:short-secret-value@db:port/kyros"),
        ("KYROS_REDIS_URL", "http://:short-secret-value@cache:6379"),
    ],
)
def test_a_secret_is_never_echoed_in_the_error(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable) as raised:
        Settings.from_env({variable: value})
    assert "short-secret-value" not in str(raised.value)


def test_well_formed_values_pass_every_rule() -> None:
    settings = Settings.from_env(
        {
            "KYROS_PORT": "8080",
            "KYROS_POSTGRES_POOL_SIZE": "4",
            "KYROS_RATE_LIMITS": "auth=10/minute, default=5000/hour",
            "KYROS_TRUSTED_PROXIES": "10.0.0.0/8,::1",
            "KYROS_REDIS_URL": "rediss://cache:6380/0",
            "KYROS_JWT_SECRET": "x" * 32,
            "KYROS_READ_YOUR_WRITES_SECONDS": "0",
            "KYROS_STARTUP_TIMEOUT_SECONDS": "2.5",
        }
    )
    assert settings.port == 8080
    assert settings.rate_limits == {"auth": "10/minute", "default": "5000/hour"}
    assert settings.startup_timeout_seconds == 2.5
