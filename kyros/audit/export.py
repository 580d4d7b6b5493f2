"""Writes a range of the log, with its links and the checkpoints inside it, as JSON lines that
`scripts/verify_audit_export.py` checks offline.

Line 1 is a header: format, range, the anchor (the link just before the range, GENESIS from
position 1) and the public key. Then one `event` line per position, each followed by the
`checkpoint` lines signed at its position. Stored state bytes (base64) are included exactly as
stored: they hold secret digests (password hashes, key digests), so the file is sensitive.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyros.audit import checkpoints
from kyros.audit.chainer import chain_head
from kyros.audit.keys import key_id, public_bytes
from kyros.audit.link import GENESIS
from kyros.audit.stored import PAGE, read_stored
from kyros.readstore.database import Database

FORMAT = "kyros-audit-export/1"


@dataclass(frozen=True, slots=True)
class Exported:
    first: int
    last: int
    events: int
    checkpoints: int


def export(
    db: Database, key: Ed25519PublicKey, out: IO[str], first: int, last: int | None
) -> Exported:
    """Positions [first, last]; `last` defaults to the last checkpoint (else the chain's head),
    and is never past the chain's head: unchained events have no link to export."""
    with db.transaction(write=False) as tx:
        chained, _ = chain_head(tx)
        latest = checkpoints.latest(tx)
        end = min(last if last is not None else (latest.position if latest else chained), chained)
        anchor = tx.execute(
            "SELECT link FROM audit_links WHERE position < ? ORDER BY position DESC LIMIT 1",
            (first,),
        ).fetchone()
        header = {
            "kind": "header",
            "format": FORMAT,
            "from": first,
            "to": end,
            "anchor": anchor["link"] if anchor else GENESIS.hex(),
            "public_key": base64.b64encode(public_bytes(key)).decode(),
            "key_id": key_id(key),
        }
        out.write(json.dumps(header) + "\n")
        signed = checkpoints.between(tx, first, end)
        by_position: dict[int, list[checkpoints.Checkpoint]] = {}
        for checkpoint in signed:
            by_position.setdefault(checkpoint.position, []).append(checkpoint)
        count, after = 0, first - 1
        while page := read_stored(tx, db.dialect, after, end, PAGE):
            links = {
                int(r["position"]): r["link"]
                for r in tx.execute(
                    "SELECT position, link FROM audit_links WHERE position > ? AND position <= ?",
                    (after, page[-1].position),
                ).fetchall()
            }
            for event in page:
                line = {
                    "kind": "event",
                    "position": event.position,
                    "id": f"{event.entity_hex}:{event.version}",
                    "type": event.topic.rpartition(":")[2],
                    "topic": event.topic,
                    "entity": {"id": event.entity_hex},
                    "version": event.version,
                    "recorded_at": event.recorded_at,
                    "state": base64.b64encode(event.state).decode(),
                    "link": links.get(event.position),
                }
                out.write(json.dumps(line) + "\n")
                for checkpoint in by_position.get(event.position, ()):
                    out.write(json.dumps({"kind": "checkpoint", **checkpoint.as_json()}) + "\n")
            count += len(page)
            after = page[-1].position
    return Exported(first, end, count, len(signed))
