"""Verifying Kyros's webhook deliveries (the Standard Webhooks signature scheme)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

from kyros_client.errors import KyrosError

TOLERANCE_SECONDS = 300
_decoder = msgspec.json.Decoder(float_hook=Decimal)


class WebhookVerificationError(KyrosError):
    """The delivery is forged, altered, stale, or its headers are missing."""

    code = "WEBHOOK_VERIFICATION_FAILED"


class WebhookEvent(msgspec.Struct, frozen=True):
    """A verified delivery: `{"type", "timestamp", "position", "data"}` plus its message id."""

    id: str
    type: str
    timestamp: str | None
    position: int | None
    data: Any


def signing_key(secret: str | bytes) -> bytes:
    """The HMAC key of a webhook secret: a `whsec_…` secret's base64 part decoded, any other
    (a secret you chose) its UTF-8 bytes unchanged — as Kyros signs."""
    if isinstance(secret, bytes):
        return secret
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode("utf-8")


def verify(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str | bytes,
    *,
    tolerance: float = TOLERANCE_SECONDS,
    now: float | None = None,
) -> WebhookEvent:
    """The delivery's event, once its signature and timestamp check out; raises
    `WebhookVerificationError` otherwise. Pass the raw body, exactly as received."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    lowered = {k.lower(): v for k, v in headers.items()}
    message_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (message_id and stamp and signatures):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too old or too far in the future")
    signed = f"{message_id}.{sent_at}.".encode() + raw
    expected = base64.b64encode(hmac.new(signing_key(secret), signed, hashlib.sha256).digest())
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            event = _decoder.decode(raw)
            return WebhookEvent(
                id=message_id,
                type=event.get("type", ""),
                timestamp=event.get("timestamp"),
                position=event.get("position"),
                data=event.get("data"),
            )
    raise WebhookVerificationError("no signature matches the secret")
