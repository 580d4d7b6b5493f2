"""The client's conversation with the server, without I/O: credentials, retries, positions.

`Session.exchange` is a generator that yields what to do (send a request, sleep) and receives
what happened (a response, or the transport's exception); the sync and async clients only drive
it. So both clients retry, refresh tokens and carry consistency tokens in exactly the same way.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Mapping
from typing import Any, NamedTuple

from kyros_client import errors
from kyros_client._core import RETRIED_STATUSES, Call, RetryPolicy, decode, position_of, prepare
from kyros_client._core import retry_after as retry_after_of


class Send(NamedTuple):
    method: str
    url: str
    params: dict[str, str]
    content: bytes | None
    form: dict[str, str] | None
    headers: dict[str, str]
    timeout: float | None


class Sleep(NamedTuple):
    seconds: float


class Reply(NamedTuple):
    """What the drivers hand back: the transport's answer, reduced to what the session reads."""

    status: int
    headers: Mapping[str, str]
    content: bytes


Step = Send | Sleep
Exchange = Generator[Step, Any, Any]
REFRESH_MARGIN = 30.0  # seconds before expiry at which an access token is renewed


class Session:
    """Credentials (an API key, or a username and password with their tokens), the retry
    policy and the highest log position this client has written (its consistency token)."""

    def __init__(
        self,
        *,
        api_key: str | None,
        username: str | None,
        password: str | None,
        retry: RetryPolicy,
        read_your_writes: bool,
        refresh_token: str | None = None,
    ) -> None:
        if api_key and username:
            raise ValueError("give an API key or a username and password, not both")
        if username and not (password or refresh_token):
            raise ValueError("a username needs its password (or a refresh token)")
        self.api_key, self.username, self._password = api_key, username, password
        self.retry = retry
        self.read_your_writes = read_your_writes
        self.position = 0
        self.access_token: str | None = None
        self.refresh_token = refresh_token
        self.expires_at = 0.0

    def exchange(
        self, call: Call, timeout: float | None = None, *, signed: bool = True
    ) -> Exchange:
        attempt, renewed = 0, False
        while True:
            headers = dict(call.headers)
            if signed:
                headers.update((yield from self._credential()))
            if self.read_your_writes and call.method == "GET" and self.position:
                headers["X-Kyros-Min-Position"] = str(self.position)
            got = yield Send(
                call.method, call.url, call.params, call.content, call.form, headers, timeout
            )
            if isinstance(got, Exception):
                wait = self.retry.wait(attempt, None) if call.safe_to_repeat else None
                if wait is None:
                    raise errors.ConnectionFailed(str(got) or type(got).__name__) from got
                yield Sleep(wait)
                attempt += 1
                continue
            if got.status == 401 and signed and self.username and not renewed:
                self.access_token, renewed = None, True  # expired or revoked: sign in again
                continue
            if got.status in RETRIED_STATUSES and (got.status in (429, 503) or call.safe_to_repeat):
                wait = self.retry.wait(attempt, retry_after_of(got.status, got.headers))
                if wait is not None:
                    yield Sleep(wait)
                    attempt += 1
                    continue
            position = position_of(got.headers)
            if position is not None:
                self.position = max(self.position, position)
            return decode(call, got.status, got.headers, got.content)

    def credential(self) -> Generator[Step, Any, dict[str, str]]:
        """The Authorization header, signing in (or refreshing) first when needed."""
        return (yield from self._credential())

    def _credential(self) -> Generator[Step, Any, dict[str, str]]:
        if self.api_key:
            return {"Authorization": f"Bearer {self.api_key}"}
        if not self.username:
            return {}
        if self.access_token is None or time.time() > self.expires_at - REFRESH_MARGIN:
            yield from self._sign_in()
        return {"Authorization": f"Bearer {self.access_token}"}

    def _sign_in(self) -> Exchange:
        login = None
        if self.refresh_token:
            try:
                call = prepare("RefreshToken", {}, {}, {"refresh_token": self.refresh_token})
                login = yield from self.exchange(call, signed=False)
            except errors.Unauthorized:
                login = None  # the refresh token expired or was revoked: use the password
        if login is None and not self._password:
            raise errors.Unauthorized("the saved session has ended: sign in again", status=401)
        if login is None:
            form = {"username": self.username, "password": self._password}
            login = yield from self.exchange(prepare("Login", {}, {}, form), signed=False)
        self.access_token, self.refresh_token = login.access_token, login.refresh_token
        self.expires_at = time.time() + login.expires_in

    def request(
        self,
        operation_id: str,
        path: Mapping[str, str],
        query: Mapping[str, Any],
        body: Any,
        fields: Mapping[str, Any] | None,
        idempotency_key: str | None,
        default_timeout: float,
    ) -> Exchange:
        call = prepare(operation_id, path, query, body, fields, idempotency_key)
        wait = query.get("wait")
        timeout = max(default_timeout, float(wait) + 10) if isinstance(wait, (int, float)) else None
        return self.exchange(call, timeout)
