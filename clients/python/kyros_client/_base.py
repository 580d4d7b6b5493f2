"""What `Kyros` and `AsyncKyros` share: where the server is, the session, the namespaces."""

from __future__ import annotations

import os
from typing import Any

import httpx

from kyros_client import __version__
from kyros_client._core import RetryPolicy, root_url
from kyros_client._generated.resources import NAMESPACES
from kyros_client._session import Send, Session


class ClientBase:
    """Authenticates with an API key (`api_key`, or `KYROS_API_KEY`) or a username and password
    (tokens are fetched and refreshed as needed). Calls that are refused with 429/503 are
    retried after the server's Retry-After; every POST that honours `Idempotency-Key` carries
    one, generated once per call and reused on its retries, so a retried create creates once.
    Reads carry the position of this client's latest write (`X-Kyros-Min-Position`), so a
    client always reads its own writes.
    """

    _variant = 0  # which class of each generated namespace pair: 0 sync, 1 async

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        refresh_token: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        read_your_writes: bool = True,
    ) -> None:
        self.base_url = root_url(base_url or os.environ.get("KYROS_URL", "http://127.0.0.1:8000"))
        if api_key is None and username is None:
            api_key = os.environ.get("KYROS_API_KEY")
        self.session = Session(
            api_key=api_key,
            username=username,
            password=password,
            retry=retry or RetryPolicy(),
            read_your_writes=read_your_writes,
            refresh_token=refresh_token,
        )
        self.timeout = timeout
        for name, classes in NAMESPACES.items():
            setattr(self, name, classes[self._variant](self))

    def _http_options(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "timeout": httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            "headers": {"User-Agent": f"kyros-client/{__version__}"},
        }


def request_options(step: Send) -> dict[str, Any]:
    """httpx's arguments for one step of an exchange."""
    timeout = step.timeout if step.timeout is not None else httpx.USE_CLIENT_DEFAULT
    return {
        "params": step.params,
        "content": step.content,
        "data": step.form,
        "headers": step.headers,
        "timeout": timeout,
    }
