"""The WebSocket API at /ws and /v1/ws: authenticate, subscribe, receive events, resume.

WebSockets bypass Litestar's exception handlers, so every refusal here is an explicit close
code (kyros/fanout/protocol.py) or an `error` frame; nothing is left to a default.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Coroutine
from typing import Any

import anyio
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from kyros.bootstrap import Kyros
from kyros.connections.unavailable import is_unavailable
from kyros.domain.identity_errors import Unauthorized
from kyros.fanout import protocol as p
from kyros.fanout.event_types import WS_TYPES
from kyros.fanout.inline import Unfinished
from kyros.fanout.subscriber import Subscriber
from kyros.http.auth import PUBLIC, Principal
from kyros.http.websocket_credentials import WebSocketCredentials

log = logging.getLogger(__name__)
Headers = list[tuple[bytes, bytes]]


class _Closing(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason.encode()[:120].decode(errors="ignore")  # a close reason: <= 123 B


class Session:
    """One socket: authentication first, then a receiver, a sender and a periodic re-check of
    the credential (a revoked key or an expired token closes the socket with 4401).

    Credentials are resolved by the HTTP path's `Authenticator` (kyros.http.websocket_credentials):
    a decision the log has not voided is reused, so a thousand sockets re-checking one key cost
    a look at the log, not a thousand store reads on worker threads (each interval, all at
    once), and a revocation still closes every socket at its next check."""

    def __init__(self, socket: WebSocket[Any, Any, Any], kyros: Kyros) -> None:
        self.socket, self.kyros, self.hub = socket, kyros, kyros.hub
        self.credentials: WebSocketCredentials = socket.app.state.websocket_credentials
        self.settings = kyros.settings
        self.credential: Headers = []
        self.subscriber: Subscriber | None = None

    async def run(self) -> None:
        await self.socket.accept()
        self.closing: _Closing | None = None
        try:
            principal = await self._authenticate()
            self.subscriber = Subscriber(
                principal.permissions, self.settings.ws_queue_size, self._deliver
            )
            self.hub.attach(self.subscriber)
            await self.socket.send_text(_authenticated(principal, self.hub.position))
            async with anyio.create_task_group() as tg:
                for work in (self._receive, self._send, self._tick, self._watch):
                    tg.start_soon(self._until_done, work, tg.cancel_scope)
        except _Closing as closing:
            self.closing = closing
        except WebSocketDisconnect:
            return
        finally:
            if self.subscriber is not None:
                self.hub.detach(self.subscriber)
                self.subscriber.discard()
        if self.closing is not None:
            with anyio.CancelScope(shield=True), anyio.move_on_after(2):
                try:
                    await self.socket.close(code=self.closing.code, reason=self.closing.reason)
                except Exception:  # the client may already be gone
                    log.debug("close after %s failed", self.closing.code)

    async def _until_done(self, work: Any, scope: anyio.CancelScope) -> None:
        """Runs one of the socket's tasks; when any ends, the others are cancelled."""
        try:
            await work()
        except _Closing as closing:
            self.closing = closing
        except WebSocketDisconnect:
            pass
        except Exception:  # a vanished client surfaces as the server's own disconnect error
            log.debug("websocket task ended", exc_info=True)
            self.closing = _Closing(p.INTERNAL, "Internal error")
        finally:
            scope.cancel()

    async def _authenticate(self) -> Principal:
        state = self.socket.scope.get("state", {})
        if state.get("auth_error"):
            raise _Closing(p.UNAUTHORIZED, state["auth_error"])
        if state.get("principal") is not None:
            self.credential = list(self.socket.scope["headers"])
            return state["principal"]  # type: ignore[no-any-return]
        token = self.socket.query_params.get("token")
        if token:
            return await self._resolve_token(token)
        message: p.ClientMessage | None = None
        with anyio.move_on_after(self.settings.ws_auth_timeout_seconds):
            message = await self._next_message()
        if message is None:  # the timeout is the client's: resolving is not counted in it
            raise _Closing(p.UNAUTHORIZED, "No credential within the authentication timeout")
        if not isinstance(message, p.Auth):
            raise _Closing(p.UNAUTHORIZED, "The first message must be {type: auth, token}")
        return await self._resolve_token(message.token)

    async def _resolve_token(self, token: str) -> Principal:
        headers = [(b"authorization", f"Bearer {token}".encode("latin-1", "replace"))]
        principal = await self._checked(headers)
        if principal is None:  # pragma: no cover - a header was given
            raise _Closing(p.UNAUTHORIZED, "Authentication required")
        self.credential = headers
        return principal

    async def _next_message(self) -> p.ClientMessage:
        """The next well-formed message; malformed ones get an error frame (or, before
        authentication, close the socket)."""
        while True:
            event = await self.socket.receive()
            if event["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(detail="closed by the client")
            raw = event.get("text")
            if raw is None:
                raw = (event.get("bytes") or b"").decode("utf-8", "replace")
            if len(raw.encode()) > p.MAX_MESSAGE_BYTES:
                raise _Closing(p.TOO_BIG, f"Messages are limited to {p.MAX_MESSAGE_BYTES} bytes")
            try:
                return p.parse(raw)
            except p.ProtocolError as bad:
                error = p.error_frame("VALIDATION_ERROR", "Invalid message", bad.field, bad.issue)
                if self.subscriber is None:  # the field is named, then the socket closes
                    await self.socket.send_text(error)
                    raise _Closing(p.UNAUTHORIZED, f"{bad.field}: {bad.issue}") from None
                self.subscriber.push(error)

    async def _receive(self) -> None:
        subscriber = self.subscriber
        assert subscriber is not None
        while True:
            message = await self._next_message()
            if isinstance(message, p.Auth):
                principal = await self._resolve_token(message.token)
                subscriber.permissions = principal.permissions
                subscriber.push(_authenticated(principal, self.hub.position))
            elif isinstance(message, p.Subscribe):
                await self._subscribe(subscriber, message)
            elif isinstance(message, p.Unsubscribe):
                left = frozenset() if message.events is None else subscriber.types - message.events
                subscriber.types = left
                subscriber.push(p.frame("unsubscribed", {"events": sorted(left)}))
            else:
                subscriber.push(p.frame("pong", {"position": subscriber.seen}))

    async def _subscribe(self, subscriber: Subscriber, message: p.Subscribe) -> None:
        """Replaces the subscription. With `since`, frames after it are replayed first; the
        replay and the live stream meet exactly at the hub's position (no await between)."""
        denied = sorted(t for t in message.events if WS_TYPES[t] not in subscriber.permissions)
        if denied:
            issue = f"Your roles may not read {', '.join(denied)}"
            subscriber.push(p.error_frame("FORBIDDEN", "Insufficient permissions", "events", issue))
            return
        with anyio.move_on_after(10):
            await self.hub.ready.wait()
        subscriber.types, subscriber.task_ids = message.events, message.task_ids
        since = message.since
        backlog = [] if since is None else self.hub.backlog(since)
        if backlog is None:
            data = {"requested": since, "oldest_available": self.hub.floor}
            subscriber.push(p.frame("resync_required", {**data, "position": self.hub.position}))
            since, backlog = None, []
        start = self.hub.position if since is None else max(since, self.hub.position)
        replay = [f.text for f in backlog if subscriber.wants(f) and f.position <= start]
        subscriber.seen = start
        filters = {"task_id": sorted(message.task_ids)} if message.task_ids else {}
        data = {"events": sorted(message.events), "filters": filters, "position": start}
        subscriber.push(
            p.frame("subscribed", {**data, "resumed_from": since, "replayed": len(replay)})
        )
        if replay:
            subscriber.push(replay)

    async def _send(self) -> None:
        subscriber = self.subscriber
        assert subscriber is not None
        while True:
            item = await subscriber.next()
            if item is None:
                issue = f"Slow consumer: over {subscriber.limit} messages waiting; resume"
                raise _Closing(p.SLOW_CONSUMER, issue)
            if isinstance(item, Unfinished):
                await item
                continue
            for text in [item] if isinstance(item, str) else item:
                await self._deliver(text)

    def _deliver(self, text: str) -> Coroutine[Any, Any, None]:
        """A frame's send, as a coroutine the subscriber may run inline (kyros.fanout.inline)."""
        return self.socket.send({"type": "websocket.send", "bytes": None, "text": text})

    async def _watch(self) -> None:
        """Closes a slow consumer even while a send to it is blocked on a full TCP window."""
        subscriber = self.subscriber
        assert subscriber is not None
        await subscriber.overflow.wait()
        issue = f"Slow consumer: over {subscriber.limit} messages waiting; resume"
        raise _Closing(p.SLOW_CONSUMER, issue)

    async def _tick(self) -> None:
        """The socket's one timer: the credential is checked again every heartbeat interval,
        and a heartbeat goes out once nothing was sent for an interval."""
        subscriber = self.subscriber
        assert subscriber is not None
        interval = self.settings.ws_heartbeat_seconds
        check_at = time.monotonic() + interval
        while True:
            due = min(check_at, subscriber.active_at + interval)
            await anyio.sleep(max(0.0, due - time.monotonic()))
            now = time.monotonic()
            if now >= check_at:
                await self._recheck(subscriber)
                check_at = now + interval
            if now - subscriber.active_at >= interval:
                subscriber.active_at = now  # one heartbeat per idle interval
                subscriber.push(p.frame("heartbeat", {"position": subscriber.seen}))

    async def _checked(self, headers: Headers) -> Principal | None:
        """The credential's holder; a refusal closes with 4401, a store that cannot answer
        with 1013 (try again later), never as if the credential were wrong."""
        try:
            return await self.credentials.resolve(headers)
        except Unauthorized as refused:
            raise _Closing(p.UNAUTHORIZED, refused.issue) from None
        except Exception as failed:
            if not is_unavailable(failed):
                raise
            issue = "The store is unavailable; reconnect shortly"
            raise _Closing(p.TRY_AGAIN_LATER, issue) from None

    async def _recheck(self, subscriber: Subscriber) -> None:
        principal = await self._checked(self.credential)
        if principal is None:
            raise _Closing(p.UNAUTHORIZED, "Authentication required")
        subscriber.permissions = principal.permissions
        lost = sorted(t for t in subscriber.types if WS_TYPES[t] not in principal.permissions)
        if lost:
            raise _Closing(p.FORBIDDEN, f"No longer permitted to read {', '.join(lost)}")


def _authenticated(principal: Principal, position: int) -> str:
    data = {
        "subject": principal.subject,
        "kind": principal.kind,
        "roles": sorted(principal.roles),
        "events": sorted(t for t, needed in WS_TYPES.items() if needed in principal.permissions),
        "position": position,
    }
    return p.frame("authenticated", data)


async def _serve(socket: WebSocket[Any, Any, Any]) -> None:
    await Session(socket, socket.app.state.kyros).run()


@websocket("/ws", opt=PUBLIC, name="websocket-root")
async def root_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """The spec's `ws://host/ws`; authentication happens inside the protocol."""
    await _serve(socket)


@websocket("/ws", opt=PUBLIC, name="websocket-v1")
async def v1_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """The same protocol under /v1."""
    await _serve(socket)


_TOKEN_IN_QUERY = re.compile(r"(token=)[^&\s\"]+")


class RedactQueryTokens(logging.Filter):
    """Access logs print the request path with its query: a `?token=` never reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_QUERY.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def redact_tokens_in_server_logs() -> None:
    for name in ("uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQueryTokens) for f in logger.filters):
            logger.addFilter(RedactQueryTokens())
