"""Signed checkpoints: the chain's head at a position, signed so a forger cannot re-sign it.

A checkpoint's signed bytes are canonical JSON (keys sorted, no spaces, UTF-8) of
`{"created_at", "key_id", "link", "position", "sequence", "v": 1}`; the signature is Ed25519
over them, base64. Sequences run 1, 2, 3 … with no gap, so a deleted checkpoint in the middle
shows.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kyros.readstore.database import Cursor


@dataclass(frozen=True, slots=True)
class Checkpoint:
    sequence: int
    position: int
    link: str  # hex
    created_at: str
    key_id: str
    signature: str  # base64

    def signed_bytes(self) -> bytes:
        return signed_bytes(self.sequence, self.position, self.link, self.created_at, self.key_id)

    def verifies(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(base64.b64decode(self.signature, validate=True), self.signed_bytes())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def signed_bytes(sequence: int, position: int, link: str, created_at: str, key_id: str) -> bytes:
    body = {
        "created_at": created_at,
        "key_id": key_id,
        "link": link,
        "position": position,
        "sequence": sequence,
        "v": 1,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(
    key: Ed25519PrivateKey, key_id: str, sequence: int, position: int, link: str, created_at: str
) -> Checkpoint:
    signature = key.sign(signed_bytes(sequence, position, link, created_at, key_id))
    return Checkpoint(
        sequence, position, link, created_at, key_id, base64.b64encode(signature).decode()
    )


_COLUMNS = "sequence, position, link, created_at, key_id, signature"


def insert(tx: Cursor, checkpoint: Checkpoint) -> None:
    tx.execute(
        f"INSERT INTO audit_checkpoints ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        (
            checkpoint.sequence,
            checkpoint.position,
            checkpoint.link,
            checkpoint.created_at,
            checkpoint.key_id,
            checkpoint.signature,
        ),
    )


def latest(tx: Cursor) -> Checkpoint | None:
    row = tx.execute(
        f"SELECT {_COLUMNS} FROM audit_checkpoints ORDER BY sequence DESC LIMIT 1"
    ).fetchone()
    return _checkpoint(row) if row else None


def between(tx: Cursor, first: int, last: int) -> list[Checkpoint]:
    """Every checkpoint whose position lies in [first, last], in sequence order."""
    rows = tx.execute(
        f"SELECT {_COLUMNS} FROM audit_checkpoints WHERE position >= ? AND position <= ?"
        " ORDER BY sequence",
        (first, last),
    ).fetchall()
    return [_checkpoint(r) for r in rows]


def every(tx: Cursor) -> list[Checkpoint]:
    rows = tx.execute(f"SELECT {_COLUMNS} FROM audit_checkpoints ORDER BY sequence").fetchall()
    return [_checkpoint(r) for r in rows]


def _checkpoint(row: dict[str, Any]) -> Checkpoint:
    return Checkpoint(
        sequence=int(row["sequence"]),
        position=int(row["position"]),
        link=str(row["link"]),
        created_at=str(row["created_at"]),
        key_id=str(row["key_id"]),
        signature=str(row["signature"]),
    )


def page(tx: Cursor, limit: int, offset: int) -> tuple[list[Checkpoint], int]:
    """Newest first, and how many there are."""
    total = tx.execute("SELECT COUNT(*) AS n FROM audit_checkpoints").fetchone()
    rows = tx.execute(
        f"SELECT {_COLUMNS} FROM audit_checkpoints ORDER BY sequence DESC LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
    return [_checkpoint(r) for r in rows], int(total["n"]) if total else 0


def from_json(item: dict[str, Any]) -> Checkpoint:
    """A checkpoint as an export line, a list item or an `audit.checkpoint` webhook body has it."""
    body = item.get("data", item) if item.get("type") == "audit.checkpoint" else item
    return Checkpoint(
        sequence=int(body["sequence"]),
        position=int(body["position"]),
        link=str(body["link"]),
        created_at=str(body["created_at"]),
        key_id=str(body["key_id"]),
        signature=str(body["signature"]),
    )
