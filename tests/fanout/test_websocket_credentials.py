"""Sockets opened together with one credential: one decision, then each its own look."""

from __future__ import annotations

import asyncio

import pytest

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import RevokeApiKey, revoke_api_key
from kyros.domain.identity_errors import Unauthorized
from kyros.http.auth import Authenticator, Principal
from kyros.http.websocket_credentials import WebSocketCredentials
from tests.builders.commands import make_api_key

pytestmark = pytest.mark.both_stores  # the watch reads PostgreSQL on a connection of its own


class CountingAuthenticator(Authenticator):
    """The real Authenticator, counting the decisions it makes on worker threads."""

    decided = 0

    def _decide(self, credential: str) -> tuple[tuple[Principal, str | None], float | None]:
        self.decided += 1
        return super()._decide(credential)


def test_a_hundred_sockets_with_one_key_make_one_decision(kyros: Kyros) -> None:
    key = make_api_key(kyros, "viewer")
    headers = [(b"authorization", f"Bearer {key.key}".encode())]

    async def herd() -> tuple[int, set[str]]:
        authenticator = CountingAuthenticator(kyros)
        credentials = WebSocketCredentials(authenticator)
        try:
            resolved = await asyncio.gather(*(credentials.resolve(headers) for _ in range(100)))
        finally:
            await authenticator.aclose()
        return authenticator.decided, {p.subject for p in resolved if p is not None}

    decided, subjects = asyncio.run(herd())
    assert decided == 1
    assert subjects == {key.id}


def test_a_revoked_key_is_refused_to_every_socket_of_the_herd(kyros: Kyros) -> None:
    key = make_api_key(kyros, "viewer")
    headers = [(b"authorization", f"Bearer {key.key}".encode())]

    async def after_revocation() -> list[object]:
        authenticator = Authenticator(kyros)
        credentials = WebSocketCredentials(authenticator)
        try:
            await credentials.resolve(headers)  # cached as a yes
            revoke_api_key(kyros.app, RevokeApiKey(key_id=key.id, actor="test"))
            return await asyncio.gather(
                *(credentials.resolve(headers) for _ in range(10)), return_exceptions=True
            )
        finally:
            await authenticator.aclose()

    outcomes = asyncio.run(after_revocation())
    assert all(isinstance(o, Unauthorized) for o in outcomes)
