"""The Python client of the Kyros API: `Kyros` (sync) and `AsyncKyros`."""

from __future__ import annotations

__version__ = "0.1.0"

from kyros_client import errors, webhooks  # noqa: E402
from kyros_client._core import RetryPolicy  # noqa: E402
from kyros_client.async_client import AsyncKyros  # noqa: E402
from kyros_client.client import Kyros  # noqa: E402
from kyros_client.errors import KyrosError  # noqa: E402

__all__ = ["AsyncKyros", "Kyros", "KyrosError", "RetryPolicy", "__version__", "errors", "webhooks"]
