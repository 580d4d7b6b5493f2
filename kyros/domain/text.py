"""Text every store can hold: no NUL (PostgreSQL text refuses it) and no unpaired surrogate."""

from __future__ import annotations

import re

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
