"""`client.events.subscribe()`: the WebSocket stream, resumed after every drop without loss."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

import anyio
import httpx_ws
import msgspec

from kyros_client import errors

RESUMABLE_CLOSES = {1000, 1001, 1006, 1011, 1012, 1013, 4408}
_decoder = msgspec.json.Decoder(float_hook=Decimal)


class StreamEvent(msgspec.Struct, frozen=True):
    """One pushed message: its WebSocket type, data, record time and log position."""

    type: str
    data: Any
    timestamp: str | None
    position: int


class ResyncRequired(errors.KyrosError):
    """The server no longer holds the events after the last position: reload state over REST."""

    code = "RESYNC_REQUIRED"


class Events:
    """The `events` namespace of `AsyncKyros`: the REST reads of the log (when the server has
    them) plus `subscribe`."""

    def __init__(self, client: Any, rest: Any = None) -> None:
        self._client, self._rest = client, rest

    def __getattr__(self, name: str) -> Any:
        if self._rest is None:
            raise AttributeError(name)
        return getattr(self._rest, name)

    async def subscribe(
        self,
        types: Sequence[str],
        *,
        task_id: str | Sequence[str] | None = None,
        since: int | None = None,
        max_reconnects: int = 20,
    ) -> AsyncIterator[StreamEvent]:
        """Every matching event, in log order, from `since` (or from now), for ever.

        A dropped connection, a server going away or a slow-consumer close is followed by a
        reconnect (backing off) that resumes from the last position seen — heartbeats
        included — so no event is lost or repeated. Raises `ResyncRequired` when the server
        no longer retains that far back, `Unauthorized`/`Forbidden` when the credential or
        its permission is gone, `ConnectionFailed` after `max_reconnects` failures in a row.
        """
        position, failures = since, 0
        filters = {"task_id": task_id} if task_id is not None else None
        while True:
            failure: BaseException = errors.ConnectionFailed("the server ended the stream")
            try:
                try:
                    async for kind, message in self._connection(types, filters, position):
                        failures = 0
                        position = (
                            message.get("position", position) if kind != "event" else position
                        )
                        if kind == "event":
                            event = msgspec.convert(message, StreamEvent, strict=False)
                            position = event.position
                            yield event
                except BaseExceptionGroup as group:  # httpx-ws's task group wraps what it raises
                    raise _leaf(group) from None
            except (
                httpx_ws.WebSocketNetworkError,
                httpx_ws.WebSocketUpgradeError,
                OSError,
                anyio.EndOfStream,
            ) as exc:
                failure = exc
            except httpx_ws.WebSocketDisconnect as closed:
                if closed.code == 4401 and self._client.session.username and failures == 0:
                    self._client.session.access_token = None  # expired: sign in again
                elif closed.code == 4401:
                    raise errors.Unauthorized(
                        closed.reason or "not authenticated", status=4401
                    ) from None
                elif closed.code == 4403:
                    raise errors.Forbidden(
                        closed.reason or "permission revoked", status=4403
                    ) from None
                elif closed.code not in RESUMABLE_CLOSES:
                    raise errors.KyrosError(
                        f"closed {closed.code}: {closed.reason}", code=f"WS_{closed.code}"
                    ) from None
                failure = closed
            failures += 1
            wait = self._client.session.retry.wait(min(failures - 1, 5), None)
            if failures > max_reconnects or wait is None:
                raise errors.ConnectionFailed(f"the event stream dropped: {failure!r}")
            await anyio.sleep(wait)

    async def _connection(
        self, types: Sequence[str], filters: dict[str, Any] | None, since: int | None
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """One socket: authenticate, subscribe, then its messages as (kind, message)."""
        credential = await self._client.drive(self._client.session.credential())
        token = credential.get("Authorization", "").removeprefix("Bearer ")
        url = self._client.base_url + "/ws"
        async with httpx_ws.aconnect_ws(url, self._client.http) as socket:
            await socket.send_json({"type": "auth", "token": token})
            await _expect(socket, "authenticated")
            subscribe: dict[str, Any] = {"type": "subscribe", "events": list(types)}
            if filters:
                subscribe["filters"] = filters
            if since is not None:
                subscribe["since"] = since
            await socket.send_json(subscribe)
            subscribed = await _expect(socket, "subscribed")
            yield (
                "subscribed",
                {"position": subscribed["data"].get("position")} if since is None else {},
            )
            while True:
                message = _decoder.decode(await socket.receive_text())
                kind = message.get("type")
                if kind == "heartbeat":
                    yield "heartbeat", {"position": message["data"]["position"]}
                elif kind == "resync_required":
                    raise ResyncRequired(
                        "events after the last position are no longer retained",
                        details=message.get("data") or {},
                    )
                elif kind == "error":
                    raise _error(message)
                elif kind not in ("pong", "subscribed", "authenticated"):
                    yield "event", message


def _leaf(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _leaf(first) if isinstance(first, BaseExceptionGroup) else first


async def _expect(socket: Any, kind: str) -> dict[str, Any]:
    message = _decoder.decode(await socket.receive_text())
    if message.get("type") == "error":
        raise _error(message)
    if message.get("type") != kind:
        raise errors.KyrosError(f"expected {kind!r}, got {message.get('type')!r}", code="PROTOCOL")
    return message


def _error(message: dict[str, Any]) -> errors.KyrosError:
    data = message.get("data") or {}
    cls = errors.BY_CODE.get(str(data.get("code")), errors.KyrosError)
    return cls(
        str(data.get("message") or data.get("code")),
        code=data.get("code"),
        details=data.get("details") or {},
    )
