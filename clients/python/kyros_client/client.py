"""`Kyros`, the synchronous client."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from kyros_client._base import ClientBase, request_options
from kyros_client._session import Exchange, Reply, Send


class Kyros(ClientBase):
    __doc__ = "A client of one Kyros server (or cluster).\n\n    " + (ClientBase.__doc__ or "")

    def __init__(
        self,
        base_url: str | None = None,
        *,
        http_client: httpx.Client | None = None,
        **options: Any,
    ) -> None:
        super().__init__(base_url, **options)
        self._http = http_client or httpx.Client(**self._http_options())

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
            answer = self._http.request(step.method, step.url, **request_options(step))
        except httpx.TransportError as exc:
            return exc
        return Reply(answer.status_code, answer.headers, answer.content)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Kyros:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
