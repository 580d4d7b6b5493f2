"""What the sync and async clients share: building a call, reading its answer, retry timing."""

from __future__ import annotations

import email.utils
import random
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import msgspec

from kyros_client import errors
from kyros_client._generated import models
from kyros_client._generated.operations import OPERATIONS, Operation

T = TypeVar("T")
RETRIED_STATUSES = (429, 502, 503, 504)
_encoder = msgspec.json.Encoder(decimal_format="number")


class _Envelope(msgspec.Struct, Generic[T]):
    data: T


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry refused or failed calls.

    429 and 503 are retried after the server's `Retry-After` (or the rate-limit reset), other
    waits back off exponentially with ±20 % jitter. A connection failure is retried only when
    the call is safe to repeat: a read, a PUT/DELETE, or a POST carrying an Idempotency-Key.
    """

    max_retries: int = 3
    initial_wait: float = 0.5
    max_wait: float = 30.0

    def wait(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds before attempt `attempt + 1`, or None to give up."""
        if attempt >= self.max_retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_wait else None
        backoff = min(self.max_wait, self.initial_wait * 2**attempt)
        return backoff * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not secrecy)


@dataclass(frozen=True)
class Call:
    """One prepared HTTP request, the same on every retry (its Idempotency-Key included)."""

    operation: Operation
    method: str
    url: str
    params: dict[str, str]
    content: bytes | None
    form: dict[str, str] | None
    headers: dict[str, str]
    safe_to_repeat: bool


def prepare(
    operation_id: str,
    path: Mapping[str, str],
    query: Mapping[str, Any],
    body: Any = None,
    fields: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> Call:
    operation = OPERATIONS[operation_id]
    url = operation.path.format(**{k: quote(str(v), safe="") for k, v in path.items()})
    params = {k: _query_value(v) for k, v in query.items() if v is not None}
    payload = _payload(body, fields)
    headers: dict[str, str] = {"Accept": "application/json"}
    content, form = None, None
    if operation.body_media == "application/x-www-form-urlencoded":
        form = {k: str(v) for k, v in (payload or {}).items()}
    elif operation.body is not None and (payload is not None or operation.method != "GET"):
        content = _encoder.encode(payload if payload is not None else {})
        headers["Content-Type"] = "application/json"
    if operation.keyed:
        headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
    safe = operation.method in ("GET", "HEAD", "PUT", "DELETE") or operation.keyed
    return Call(operation, operation.method, url, params, content, form, headers, safe)


def _payload(body: Any, fields: Mapping[str, Any] | None) -> Any:
    if body is not None and fields:
        raise TypeError("give the body either as one object or as keyword fields, not both")
    if body is None:
        return dict(fields) if fields else None
    if isinstance(body, msgspec.Struct):
        return msgspec.to_builtins(body, builtin_types=(Decimal,))
    return body


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@cache
def answer_type(operation: Operation) -> Any:
    """The type the envelope's `data` decodes to, resolved from the generated models."""
    namespace = {**vars(models), "Any": Any, "None": None, "bytes": bytes}
    return eval(operation.answer, namespace)  # noqa: S307 (the generator's own type names)


@cache
def _decoder(operation: Operation) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(_Envelope[answer_type(operation)], float_hook=Decimal)


def decode(call: Call, status: int, headers: Mapping[str, str], content: bytes) -> Any:
    """The answer's `data`, typed; raises the error class of the answer's code."""
    request_id = headers.get("x-request-id")
    if status >= 400:
        try:
            envelope = msgspec.json.decode(content) if content else None
        except msgspec.DecodeError:
            envelope = None
        raise errors.from_envelope(status, envelope, request_id, retry_after(status, headers))
    if call.operation.answer == "bytes":
        return content
    if not content or call.operation.answer == "None":
        return None
    try:
        return _decoder(call.operation).decode(content).data
    except msgspec.ValidationError as exc:
        raise errors.KyrosError(
            f"the answer did not match the client's models ({exc}); regenerate them",
            status=status,
            code="UNEXPECTED_ANSWER",
            request_id=request_id,
        ) from exc


def retry_after(status: int, headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: Retry-After (seconds or a date), else the reset."""
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time()) if when else None
    if status != 429:
        return None
    draft = re.search(r"(?:^|[;,\s])reset=(\d+)", headers.get("ratelimit", ""))
    if draft:  # the IETF draft's RateLimit header: seconds until the window resets
        return float(draft.group(1))
    reset = headers.get("x-ratelimit-reset", "")
    if reset.isdigit():
        seconds = int(reset)
        return max(0.0, seconds - time.time()) if seconds > 1_000_000_000 else float(seconds)
    return None


def position_of(headers: Mapping[str, str]) -> int | None:
    value = headers.get("x-kyros-position")
    return int(value) if value and value.isdigit() else None


def root_url(base_url: str) -> str:
    """The server's root: the API's paths already start with /v1."""
    base = base_url.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base
