"""Model provider adapters behind one `Provider` protocol, and the factory that picks one."""

from __future__ import annotations

from kyros.runner.providers.base import (
    Completion,
    CompletionRequest,
    Provider,
    ProviderError,
    ProviderTimeout,
)
from kyros.runner.providers.factory import provider_for

__all__ = [
    "Completion",
    "CompletionRequest",
    "Provider",
    "ProviderError",
    "ProviderTimeout",
    "provider_for",
]
