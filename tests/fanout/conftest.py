"""Fan-out tests: loopback receivers are allowed and retries are fast."""

from __future__ import annotations

import msgspec
import pytest

from kyros.settings import Settings

FAST = {
    "webhook_allowed_networks": ("127.0.0.0/8", "::1/128"),
    "webhook_retry_base_seconds": 0.2,
    "webhook_retry_max_seconds": 1.0,
    "webhook_timeout_seconds": 1.0,
    "webhook_poll_seconds": 0.05,
    "ws_heartbeat_seconds": 1.0,
    "ws_auth_timeout_seconds": 1.0,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, tuned so that failure and recovery happen in seconds."""
    return msgspec.structs.replace(settings, **FAST)
