"""Service API keys: `kyk_<prefix>_<secret>`, of which only a SHA-256 digest is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import NamedTuple

KEY_TAG = "kyk"
PREFIX_LENGTH = 8
SECRET_BYTES = 32
_SECRET_CHARS = -(-SECRET_BYTES * 4 // 3)  # unpadded base64 length of SECRET_BYTES

# The prefix is hex so it can never contain the "_" separator; the secret is urlsafe base64
# (which may contain "_"), so the format is parsed by position rather than by splitting.
_KEY_PATTERN = re.compile(
    rf"{KEY_TAG}_(?P<prefix>[0-9a-f]{{{PREFIX_LENGTH}}})_[A-Za-z0-9_-]{{{_SECRET_CHARS}}}"
)


class GeneratedApiKey(NamedTuple):
    plaintext: str  # shown to the user once, never stored
    prefix: str  # stored in clear: lets the user recognise a key and the server find its row
    hash: str  # stored: hex SHA-256 of the plaintext

    def __repr__(self) -> str:
        return f"GeneratedApiKey(plaintext='***', prefix={self.prefix!r}, hash={self.hash!r})"


def generate_api_key() -> GeneratedApiKey:
    """A key with 256 bits of entropy; the plaintext exists only in the returned value."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    plaintext = f"{KEY_TAG}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return GeneratedApiKey(plaintext, prefix, hash_api_key(plaintext))


def hash_api_key(plaintext: str) -> str:
    """Fast unsalted SHA-256 is enough here, unlike for passwords.

    The secret is 256 random bits, so there is no dictionary to try and no point in a slow
    hash or a salt; a fast hash keeps per-request authentication cheap.
    """
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def looks_like_api_key(value: str) -> bool:
    """Tells `Authorization: Bearer <api key>` apart from a JWT (which has two dots)."""
    return _KEY_PATTERN.fullmatch(value) is not None


def api_key_prefix(value: str) -> str | None:
    """The lookup prefix of a well-formed key, or None, so malformed input never hits storage."""
    match = _KEY_PATTERN.fullmatch(value)
    return match.group("prefix") if match else None


def verify_api_key(plaintext: str, stored_hash: str) -> bool:
    """Constant-time, so response timing says nothing about how much of the digest matched."""
    return hmac.compare_digest(hash_api_key(plaintext).encode(), stored_hash.encode())
