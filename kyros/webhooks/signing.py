"""Standard Webhooks secrets and signatures, and sealing secrets before they reach the log."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kyros.domain.errors import DomainError

PREFIX = "whsec_"
MIN_KEY_BYTES, MAX_KEY_BYTES = 24, 64
MIN_CHOSEN_CHARS, MAX_CHOSEN_CHARS = 16, 200
_SEALED = "v1:"


def generate_secret() -> str:
    return PREFIX + base64.b64encode(os.urandom(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a secret stands for, so that receivers can compute the same signature.

    `whsec_<base64>` (what Kyros generates) keys with the decoded bytes, as Standard Webhooks
    defines; any other caller-chosen secret (the spec's `"your_webhook_secret"` style) keys with
    its UTF-8 bytes, which receivers pass to their library as raw bytes. Refusals name the field.
    """
    if secret.startswith(PREFIX):
        return _standard_key(secret)
    if not MIN_CHOSEN_CHARS <= len(secret) <= MAX_CHOSEN_CHARS:
        raise DomainError(
            f"Must be {MIN_CHOSEN_CHARS} to {MAX_CHOSEN_CHARS} characters, or a {PREFIX} secret;"
            " omit it to have one generated",
            field="secret",
        )
    if not secret.isprintable():
        raise DomainError("Must not contain control characters", field="secret")
    return secret.encode()


def _standard_key(secret: str) -> bytes:
    issue = (
        f"A {PREFIX} secret must be followed by the base64 of {MIN_KEY_BYTES} to"
        f" {MAX_KEY_BYTES} random bytes (Standard Webhooks)"
    )
    try:
        key = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(issue, field="secret") from None
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise DomainError(issue, field="secret")
    return key


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 over "id.timestamp.body">`, as the specification defines."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(keys: Iterable[bytes], message_id: str, timestamp: int, body: bytes) -> str:
    """Space-separated signatures, one per key: receivers accept any that verifies."""
    return " ".join(sign(key, message_id, timestamp, body) for key in keys)


class SecretBox:
    """AES-256-GCM under a key derived from the server's signing secret (KYROS_JWT_SECRET or
    `jwt.key`), so every process of a cluster can open what any of them sealed."""

    def __init__(self, master: bytes) -> None:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kyros webhook secrets")
        self._aead = AESGCM(hkdf.derive(master))

    def __repr__(self) -> str:
        return "SecretBox(***)"

    def seal(self, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), b"kyros-webhook")
        return _SEALED + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str) -> str:
        raw = base64.b64decode(sealed.removeprefix(_SEALED))
        return self._aead.decrypt(raw[:12], raw[12:], b"kyros-webhook").decode()
