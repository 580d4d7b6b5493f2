"""Every request's id: a sane incoming X-Request-ID, or a new `req_…`.

The id is also the current request id for logging while the request is handled
(kyros.http.request_path sets both).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kyros.ids import unordered_id

_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_of(headers: Sequence[tuple[bytes, bytes]]) -> str:
    """The last X-Request-ID sent, if it is sane; else a new id."""
    incoming = b""
    for name, value in headers:
        if name == b"x-request-id":
            incoming = value
    text = incoming.decode("latin-1")
    return text if _SANE.match(text) else unordered_id("req")
