"""One rule for every text field of every JSON body: nothing a store cannot hold gets in."""

from __future__ import annotations

from typing import Any

from litestar import Request

from kyros.domain.errors import DomainError
from kyros.domain.text import UNSTORABLE_ISSUE, is_storable


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


def unstorable_field(value: Any) -> str | None:
    """The path (`metadata.notes`, `tags[1]`) of the first string, or mapping key, that no
    store can hold; a bad key names its mapping. Iterative: depth is bounded elsewhere."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if not is_storable(item):
                return path
        elif isinstance(item, dict):
            if not all(is_storable(str(key)) for key in item):
                return path
            named = [(f"{path}.{key}" if path else str(key), v) for key, v in item.items()]
            stack.extend(reversed(named))  # popped in document order
        elif isinstance(item, list):
            stack.extend(reversed([(f"{path}[{i}]", v) for i, v in enumerate(item)]))
    return None
