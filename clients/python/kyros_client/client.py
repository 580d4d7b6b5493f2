"""`Kyros`, the synchronous client."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import httpx

from kyros_client import __version__
from kyros_client._core import RetryPolicy, root_url
from kyros_client._generated.resources import NAMESPACES
from kyros_client._session import Exchange, Reply, Send, Session


class Kyros:
    """A client of one Kyros server (or cluster).

    Authenticates with an API key (`api_key`, or `KYROS_API_KEY`) or a username and password
    (tokens are fetched and refreshed as needed). Calls that are refused with 429/503 are
    retried after the server's Retry-After; every POST that honours `Idempotency-Key` carries
    one, generated once per call and reused on its retries, so a retried create creates once.
    Reads carry the position of this client's latest write (`X-Kyros-Min-Position`), so a
    client always reads its own writes.
    """

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
        http_client: httpx.Client | None = None,
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
        self._http = http_client or httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": f"kyros-client/{__version__}"},
        )
        for name, (resource, _) in NAMESPACES.items():
            setattr(self, name, resource(self))

    def request(
        self,
        operation_id: str,
        path: Mapping[str, str],
        query: Mapping[str, Any],
        body: Any = None,
        fields: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Calls one operation by its OpenAPI operationId; the namespaces call this."""
        exchange = self.session.request(
            operation_id, path, query, body, fields, idempotency_key, self.timeout
        )
        return self.drive(exchange)

    def drive(self, exchange: Exchange) -> Any:
        result: Any = None
        while True:
            try:
                step = exchange.send(result)
            except StopIteration as done:
                return done.value
            result = self._perform(step)

    def _perform(self, step: Any) -> Any:
        if not isinstance(step, Send):
            time.sleep(step.seconds)
            return None
        try:
            answer = self._http.request(
                step.method,
                step.url,
                params=step.params,
                content=step.content,
                data=step.form,
                headers=step.headers,
                timeout=step.timeout if step.timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TransportError as exc:
            return exc
        return Reply(answer.status_code, answer.headers, answer.content)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Kyros:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
