"""The checkpoint signing key: KYROS_AUDIT_SIGNING_KEY, else one generated in the data dir.

Every process must sign with the same key. On SQLite every process shares the data directory,
so the generated `audit-signing.key` (mode 0600, created atomically) is that key. On PostgreSQL,
processes on several machines share no directory: set KYROS_AUDIT_SIGNING_KEY (the base64 of
32 random bytes, an Ed25519 private key) on every process, or give them one shared data dir.
Only one process signs at a time (the chaining worker's lease), so two keys never interleave
within a run; verification tells which key signed each checkpoint by its `key_id`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "audit-signing.key"


def load_signing_key(configured: str | None, data_dir: Path) -> Ed25519PrivateKey:
    if configured:
        try:
            raw = base64.b64decode(configured.strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ValueError("KYROS_AUDIT_SIGNING_KEY must be the base64 of 32 bytes")
        return Ed25519PrivateKey.from_private_bytes(raw)
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        _create(path)
    raw = base64.b64decode(path.read_bytes().strip())
    return Ed25519PrivateKey.from_private_bytes(raw)


def _create(path: Path) -> None:
    """Written aside then hard-linked into place: processes starting together read one key."""
    draft = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(base64.b64encode(secrets.token_bytes(32)))
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """Names a public key: the first 16 hex digits of SHA-256 over its raw 32 bytes."""
    return hashlib.sha256(public_bytes(key)).hexdigest()[:16]


def public_pem(key: Ed25519PublicKey) -> str:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode()
