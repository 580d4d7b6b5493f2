"""Argon2id password hashing that never reveals, by result or by timing, whether a user exists."""

from __future__ import annotations

import logging
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

logger = logging.getLogger(__name__)

# argon2-cffi's defaults are RFC 9106's low-memory Argon2id profile (t=3, m=64 MiB, p=4).
_HASHER = PasswordHasher()


@cache
def dummy_hash() -> str:
    """Hashed with the same parameters as real passwords so that checking it costs the same
    time; its plaintext is random and discarded, so nothing can ever match it. Made once, on
    first use, not at import: it costs ~0.3 s, which every CLI command would pay. A server
    makes it before serving (kyros.http.app), so no login pays for it."""
    return _HASHER.hash(secrets.token_urlsafe(32))


def hash_password(password: str) -> str:
    """Return a self-describing PHC string (algorithm, parameters and salt included)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True only if `password` matches; argon2-cffi's argument order (hash first).

    Mismatches and unreadable stored hashes both answer False so that a login endpoint has
    one failure path; an unreadable hash is logged (without the hash) because it is a data
    problem, not a wrong password.
    """
    try:
        return _HASHER.verify(password_hash, password)
    except VerificationError:
        return False
    except InvalidHashError:
        logger.warning("stored password hash is not a valid Argon2 hash")
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's, so re-hash on login."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def verify_dummy(password: str = "") -> bool:
    """Spend a real verification's time when the user does not exist; always False.

    Call it on the unknown-user branch of a login so both branches cost the same Argon2 work.
    """
    verify_password(dummy_hash(), password)
    return False
