"""One rule for every text field of every JSON body: nothing a store cannot hold gets in."""

from __future__ import annotations

from typing import Any

from litestar import Request

from kyros.domain.errors import DomainError
from kyros.domain.text import UNSTORABLE_ISSUE, unstorable_field


class CheckedRequest(Request[Any, Any, Any]):
    """Every `data` body reaches its handler through `json()`, after the route's guards, so
    one check here covers each schema, free-form JSON (task metadata) included."""

    async def json(self) -> Any:
        value = await super().json()
        refuse_unstorable(await self.body(), value)
        return value


def refuse_unstorable(body: bytes, value: Any) -> None:
    """Raises naming the first field of `value` (decoded from `body`) no store can hold."""
    # A decoded string holds NUL or a surrogate only if the body spelt it `\u…`
    # (msgspec refuses raw control characters and invalid UTF-8): most bodies skip the walk.
    if b"\\u" in body:
        field = unstorable_field(value)
        if field is not None:
            raise DomainError(UNSTORABLE_ISSUE, field=field or "body")
