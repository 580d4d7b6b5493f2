"""What the audit routes answer: the public key, a page of checkpoints, a verification."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyros.audit import checkpoints
from kyros.audit.keys import key_id, public_bytes, public_pem
from kyros.audit.verify import verify
from kyros.readstore.database import Database


def public_key_view(key: Ed25519PublicKey) -> dict[str, Any]:
    return {
        "algorithm": "Ed25519",
        "key_id": key_id(key),
        "public_key": base64.b64encode(public_bytes(key)).decode(),
        "pem": public_pem(key),
    }


def checkpoint_page(db: Database, limit: int, offset: int) -> dict[str, Any]:
    with db.transaction(write=False) as tx:
        items, total = checkpoints.page(tx, limit, offset)
    more = offset + len(items) < total
    return {
        "checkpoints": [c.as_json() for c in items],
        "pagination": {"total": total, "limit": limit, "offset": offset, "has_more": more},
    }


def verification(db: Database, key: Ed25519PublicKey) -> dict[str, Any]:
    return verify(db, key).as_json()
