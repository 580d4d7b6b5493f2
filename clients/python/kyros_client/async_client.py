"""`AsyncKyros`, the asynchronous client: the same session as `Kyros`, driven with await."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import httpx

from kyros_client._base import ClientBase, request_options
from kyros_client._session import Exchange, Reply, Send
from kyros_client.streaming import Events


class AsyncKyros(ClientBase):
    """Like `Kyros` (same arguments, same retries and consistency), with awaitable methods,
    async page iterators, and `events.subscribe()` over the WebSocket."""

    _variant = 1

    def __init__(
        self,
        base_url: str | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> None:
        super().__init__(base_url, **options)
        self._http = http_client or httpx.AsyncClient(**self._http_options())
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
            answer = await self._http.request(step.method, step.url, **request_options(step))
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
