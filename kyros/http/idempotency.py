"""Idempotency-Key on the POSTs that create or trigger something: replays instead of repeats.

Mark a route with `opt=IDEMPOTENT` (or `SEALED_ANSWER`, `WITHHELD_ANSWER` when its answer shows
a secret once). A key is the caller's, for one method and path, for 24 hours; see
`kyros.domain.idempotency` for why the claim rides in the command's own save.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import anyio
import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from kyros.bootstrap import Kyros
from kyros.commands.idempotency import (
    ClaimKey,
    RecordAnswer,
    claim_key,
    recheck_key,
    record_answer,
)
from kyros.domain.idempotency import IdempotencyRecord, Verdict
from kyros.eventstore.riders import riding
from kyros.http.envelope import error_body
from kyros.timefmt import now

HEADER = "Idempotency-Key"
IDEMPOTENT = {"idempotency": "kept"}
SEALED_ANSWER = {"idempotency": "sealed"}  # kept encrypted: it shows a secret the log seals
WITHHELD_ANSWER = {"idempotency": "withheld"}  # not kept: it shows a secret the log never holds
_REPLAYED = (b"idempotent-replayed", b"true")
log = logging.getLogger(__name__)


def idempotency_middleware(kyros: Kyros) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            keys = _keys(scope)
            handler = scope.get("route_handler")
            mode = handler.opt.get("idempotency") if handler is not None else None
            principal = scope.get("state", {}).get("principal")
            if scope["type"] != "http" or not keys or mode is None or principal is None:
                await app(scope, receive, send)
                return
            key = _valid_key(keys)
            if key is None:
                issue = "Must be one value of 1 to 255 printable ASCII characters"
                details = {"field": HEADER, "issue": issue}
                await _refuse(scope, send, 422, "VALIDATION_ERROR", details)
                return
            body, receive = await _buffered(receive, kyros.settings.max_body_bytes)
            if body is None:  # too large: the app refuses it as it would without a key
                await app(scope, receive, send)
                return
            claim = ClaimKey(
                scope=f"{principal.subject}\n{scope['method']} {scope['path']}\n{key}",
                fingerprint=fingerprint(scope, body),
                now=now(),
            )
            verdict, record = await anyio.to_thread.run_sync(claim_key, kyros.app, claim)
            if verdict != "run":
                await _answer_again(kyros, scope, send, verdict, record)
                return
            await _run(kyros, app, scope, receive, send, claim, record, str(mode))

        return middleware

    return wrap


async def _run(
    kyros: Kyros,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    claim: ClaimKey,
    record: IdempotencyRecord,
    mode: str,
) -> None:
    """Runs the request with the claim riding on its save, holding the answer until the
    claim's fate is known: kept, or replaced by another request's claim of the same key."""
    sent: list[Message] = []

    async def hold(message: Message) -> None:
        sent.append(message)

    with riding(record) as rider:
        await app(scope, receive, hold)
    status = int(sent[0]["status"]) if sent else 500
    body = b"".join(m.get("body", b"") for m in sent[1:])
    if 200 <= status < 300 and (rider.saved or not rider.boarded):
        answer = _answer_record(kyros, status, body, mode)
        try:
            await anyio.to_thread.run_sync(record_answer, kyros.app, record, answer)
        except Exception:  # the write happened: its answer still goes out; retries get a 409
            log.exception("could not record the answer for an Idempotency-Key")
    elif rider.boarded and not rider.saved:
        other = await anyio.to_thread.run_sync(recheck_key, kyros.app, claim)
        if other is not None:
            await _answer_again(kyros, scope, send, *other)
            return
    for message in sent:
        await send(message)


def _answer_record(kyros: Kyros, status: int, body: bytes, mode: str) -> RecordAnswer:
    if mode == "withheld":
        data = msgspec.json.decode(body).get("data") or {}
        return RecordAnswer(status=status, body=None, resource_id=str(data.get("id")))
    if mode == "sealed":
        return RecordAnswer(
            status=status, body=kyros.webhook_secrets.seal(body.decode()), sealed=True
        )
    return RecordAnswer(status=status, body=body.decode())


async def _answer_again(
    kyros: Kyros, scope: Scope, send: Send, verdict: Verdict, record: IdempotencyRecord
) -> None:
    if verdict == "replay" and record.body is not None:
        body = kyros.webhook_secrets.open(record.body) if record.sealed else record.body
        await _send(send, int(record.status or 200), body.encode(), _REPLAYED)
    elif verdict == "replay":
        issue = (
            f"This key already created {record.resource_id}; its answer showed a secret once "
            "and is not kept. Use that resource (or revoke it and create another)"
        )
        details = {"field": HEADER, "issue": issue, "resource_id": record.resource_id}
        await _refuse(scope, send, 409, "CONFLICT", details)
    elif verdict == "mismatch":
        issue = "Already used with a different request body; use a new key for a new request"
        await _refuse(scope, send, 422, "VALIDATION_ERROR", {"field": HEADER, "issue": issue})
    elif verdict == "in_flight":
        issue = "A request with this key is still being processed; retry shortly"
        await _refuse(scope, send, 409, "CONFLICT", {"field": HEADER, "issue": issue}, retry=True)
    else:
        issue = (
            "The request with this key was applied, but its answer was lost (the server stopped "
            "before recording it); look the result up instead of retrying"
        )
        await _refuse(scope, send, 409, "CONFLICT", {"field": HEADER, "issue": issue})


def _keys(scope: Scope) -> list[bytes]:
    return [value for name, value in scope.get("headers", ()) if name == b"idempotency-key"]


def _valid_key(values: list[bytes]) -> str | None:
    """One value, 1 to 255 printable ASCII characters; a quoted Structured Field string (the
    IETF draft's form) and a bare token (Stripe's) name the same key."""
    if len(values) != 1:
        return None
    raw = values[0].decode("latin-1").strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not 1 <= len(raw) <= 255 or not all(" " <= c <= "~" for c in raw):
        return None
    return raw


def fingerprint(scope: Scope, body: bytes) -> str:
    """Method, path, query and the body; a JSON body canonically (key order and spacing do
    not make it a different request)."""
    try:
        canonical = msgspec.json.encode(msgspec.json.decode(body), order="sorted")
    except (msgspec.DecodeError, msgspec.EncodeError):
        canonical = body
    digest = hashlib.sha256()
    for part in (
        scope["method"].encode(),
        scope["path"].encode(),
        scope["query_string"],
        canonical,
    ):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


async def _buffered(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The whole request body (None past `limit`), and a `receive` that hands it on."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > limit or not message.get("more_body", False):
            break
    complete = size <= limit and messages[-1]["type"] == "http.request"

    async def again() -> Message:
        return messages.pop(0) if messages else await receive()

    body = b"".join(m.get("body", b"") for m in messages) if complete else None
    return body, again


async def _refuse(
    scope: Scope,
    send: Send,
    status: int,
    code: str,
    details: dict[str, Any],
    *,
    retry: bool = False,
) -> None:
    rid = str(scope.get("state", {}).get("request_id", ""))
    message = "Request validation failed" if status == 422 else "Idempotency-Key conflict"
    extra = (b"retry-after", b"1") if retry else None
    await _send(send, status, error_body(rid, code, message, details), extra)


async def _send(send: Send, status: int, body: bytes, extra: tuple[bytes, bytes] | None) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if extra is not None:
        headers.append(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
