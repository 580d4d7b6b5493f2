"""WebSocket credentials, resolved by the HTTP path's `Authenticator`, one decision per herd.

Sockets opened together with one credential (a client reconnecting its thousand sockets after a
restart) would all miss the Authenticator's cache at once and each make the decision on a
worker thread: a thousand store reads queued behind one another and ahead of the read models
and the hub, the last of them past the authentication timeout (4401 for a valid key). Here the
first makes the decision and the others wait for it, then each resolves on its own: a cache hit
after a look at the log that began after it asked, so a revocation decides a socket exactly as
it decides an HTTP request.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

from kyros.http.auth import Authenticator, Principal

Headers = Sequence[tuple[bytes, bytes]]
_CREDENTIAL_HEADERS = (b"authorization", b"x-api-key")


class WebSocketCredentials:
    def __init__(self, authenticator: Authenticator) -> None:
        self._authenticator = authenticator
        self._deciding: dict[str, asyncio.Event] = {}  # by credential digest

    async def resolve(self, headers: Headers) -> Principal | None:
        """As `Authenticator.resolve`; raises its `Unauthorized`."""
        key = _digest(headers)
        deciding = self._deciding.get(key)
        if deciding is not None:
            await deciding.wait()
            return await self._authenticator.resolve(headers)
        deciding = self._deciding[key] = asyncio.Event()
        try:
            return await self._authenticator.resolve(headers)
        finally:
            del self._deciding[key]
            deciding.set()


def _digest(headers: Headers) -> str:
    hashed = hashlib.sha256()
    for name, value in headers:
        if name in _CREDENTIAL_HEADERS:
            hashed.update(name + b"\0" + value + b"\0")
    return hashed.hexdigest()
