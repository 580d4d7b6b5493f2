"""Text every store can hold: no NUL (PostgreSQL text refuses it) and no unpaired surrogate."""

from __future__ import annotations

import re
from typing import Any

UNSTORABLE_ISSUE = "Must not contain NUL characters or unpaired surrogates"
REPLACEMENT = "\ufffd"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    """Unpaired surrogates cannot be encoded as UTF-8, so neither SQLite nor PostgreSQL (nor
    the event log's msgpack) can hold them; NUL fits SQLite but not PostgreSQL text."""
    return _UNSTORABLE.search(text) is None


def storable(text: str) -> str:
    """`text` with each unstorable character replaced by U+FFFD, as a decoder does with bytes
    it cannot read: for values already in the log, which must stay projectable."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


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
