"""The base of every generated namespace (`client.tasks`, …): calls and page iteration."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any


class Resource:
    def __init__(self, client: Any) -> None:
        self._client = client

    def _call(
        self,
        operation_id: str,
        path: Mapping[str, str],
        query: Mapping[str, Any],
        *,
        body: Any = None,
        fields: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        return self._client.request(operation_id, path, query, body, fields, idempotency_key)

    def _paginate(
        self, operation_id: str, field: str, path: Mapping[str, str], query: Mapping[str, Any]
    ) -> Iterator[Any]:
        offset = 0
        while True:
            page = self._call(operation_id, path, {**query, "offset": offset})
            items = getattr(page, field)
            yield from items
            if not page.pagination.has_more or not items:
                return
            offset = page.pagination.offset + len(items)

    def _follow(
        self, operation_id: str, field: str, path: Mapping[str, str], query: Mapping[str, Any]
    ) -> Iterator[Any]:
        after = None
        while True:
            page = self._call(operation_id, path, {**query, "after": after})
            yield from getattr(page, field)
            if page.next_after is None or page.next_after == after:
                return
            after = page.next_after


class AsyncResource:
    def __init__(self, client: Any) -> None:
        self._client = client

    async def _call(
        self,
        operation_id: str,
        path: Mapping[str, str],
        query: Mapping[str, Any],
        *,
        body: Any = None,
        fields: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        return await self._client.request(operation_id, path, query, body, fields, idempotency_key)

    async def _paginate(
        self, operation_id: str, field: str, path: Mapping[str, str], query: Mapping[str, Any]
    ) -> AsyncIterator[Any]:
        offset = 0
        while True:
            page = await self._call(operation_id, path, {**query, "offset": offset})
            items = getattr(page, field)
            for item in items:
                yield item
            if not page.pagination.has_more or not items:
                return
            offset = page.pagination.offset + len(items)

    async def _follow(
        self, operation_id: str, field: str, path: Mapping[str, str], query: Mapping[str, Any]
    ) -> AsyncIterator[Any]:
        after = None
        while True:
            page = await self._call(operation_id, path, {**query, "after": after})
            for item in getattr(page, field):
                yield item
            if page.next_after is None or page.next_after == after:
                return
            after = page.next_after
