"""The Python client of the Kyros API: `Kyros` (sync) and `AsyncKyros`."""

from __future__ import annotations

__version__ = "0.1.0"

from kyros_client import errors, webhooks
from kyros_client._core import RetryPolicy
from kyros_client.async_client import AsyncKyros
from kyros_client.client import Kyros
from kyros_client.errors import KyrosError

__all__ = ["AsyncKyros", "Kyros", "KyrosError", "RetryPolicy", "__version__", "errors", "webhooks"]
