"""`AsyncKyros`, the asynchronous client: the same session as `Kyros`, driven with await."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import anyio
import httpx

from kyros_client import __version__
from kyros_client._core import RetryPolicy, root_url
from kyros_client._generated.resources import NAMESPACES
from kyros_client._session import Exchange, Reply, Send, Session
from kyros_client.streaming import Events


class AsyncKyros:
    """Like `Kyros` (same arguments, same retries and consistency), with awaitable methods,
    async page iterators, and `events.subscribe()` over the WebSocket."""

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
        http_client: httpx.AsyncClient | None = None,
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
        self._http = http_client or httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": f"kyros-client/{__version__}"},
        )
        for name, (_, resource) in NAMESPACES.items():
            setattr(self, name, resource(self))
        self.events = Events(self, getattr(self, "events", None))

    async def request(
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
        return await self.drive(exchange)

    async def drive(self, exchange: Exchange) -> Any:
        result: Any = None
        while True:
            try:
                step = exchange.send(result)
            except StopIteration as done:
                return done.value
            result = await self._perform(step)

    async def _perform(self, step: Any) -> Any:
        if not isinstance(step, Send):
            await anyio.sleep(step.seconds)
            return None
        try:
            answer = await self._http.request(
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

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncKyros:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
