#!/usr/bin/env python3
"""Verifies a `kyros audit export` file offline: needs only Python and `cryptography`.

    python verify_audit_export.py EXPORT.jsonl [--public-key BASE64]

Recomputes every event's link from the anchor and its fields (the formula in
kyros/audit/link.py, repeated here so this script imports nothing from Kyros), compares each
with the link in the file, and checks every checkpoint's Ed25519 signature and link. Without
--public-key it uses the key embedded in the file and warns: that key proves nothing unless it
matches the one the server publishes at GET /v1/audit/public-key. Exit status 0 when the file
verifies, 1 with the first bad position otherwise.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import struct
import sys
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TAG = b"kyros-audit-link-v1\x00"
FORMAT = "kyros-audit-export/1"


def link(previous: bytes, event: dict) -> bytes:
    digest = hashlib.sha256(TAG)
    digest.update(previous)
    entity = uuid.UUID(event["entity"]["id"]).bytes
    digest.update(struct.pack(">Q16sQ", event["position"], entity, event["version"]))
    parts = (event["topic"].encode(), event["recorded_at"].encode())
    for part in (*parts, base64.b64decode(event["state"], validate=True)):
        digest.update(struct.pack(">I", len(part)))
        digest.update(part)
    return digest.digest()


def signed_bytes(checkpoint: dict) -> bytes:
    fields = ("created_at", "key_id", "link", "position", "sequence")
    body = {name: checkpoint[name] for name in fields} | {"v": 1}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


class Failed(Exception):
    def __init__(self, position: object, what: str) -> None:
        super().__init__(f"position {position}: {what}")


def verify(lines: list[str], public_key: str | None) -> str:
    """A summary of what verified; raises Failed at the first bad position."""
    header = json.loads(lines[0])
    if header.get("kind") != "header" or header.get("format") != FORMAT:
        raise Failed(0, f"not a {FORMAT} file")
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key or header["public_key"]))
    previous, last, events, signed = bytes.fromhex(header["anchor"]), 0, 0, 0
    expected = header["from"]
    for number, text in enumerate(lines[1:], start=2):
        try:
            item = json.loads(text)
        except json.JSONDecodeError:
            raise Failed(f"? (line {number})", "the line is not JSON") from None
        try:
            if item["kind"] == "event":
                if item["position"] < expected:
                    raise Failed(item["position"], "positions are out of order")
                previous, last = link(previous, item), item["position"]
                expected = last + 1
                if previous.hex() != item["link"]:
                    raise Failed(last, "the event does not match its link")
                events += 1
            elif item["kind"] == "checkpoint":
                try:
                    key.verify(base64.b64decode(item["signature"]), signed_bytes(item))
                except (InvalidSignature, binascii.Error, ValueError):
                    raise Failed(item["position"], "a checkpoint's signature is invalid") from None
                if item["position"] != last or item["link"] != previous.hex():
                    raise Failed(item["position"], "a signed checkpoint does not match the chain")
                signed += 1
            else:
                raise Failed(f"? (line {number})", f"unknown line kind {item['kind']!r}")
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            if isinstance(error, Failed):
                raise
            raise Failed(f"? (line {number})", f"malformed line ({error})") from None
    if last != header["to"]:
        raise Failed(last + 1, f"the file ends at {last}, its header says {header['to']}")
    span = f"positions {header['from']}..{last}"
    return f"{events} events and {signed} signed checkpoints verify ({span})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", help="a file written by `kyros audit export`")
    parser.add_argument("--public-key", help="base64 key from GET /v1/audit/public-key")
    args = parser.parse_args()
    with open(args.export, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    if not args.public_key:
        print(
            "warning: using the public key embedded in the file; check it against"
            " GET /v1/audit/public-key, or a forger's own key would verify a forgery",
            file=sys.stderr,
        )
    try:
        print(verify(lines, args.public_key))
    except Failed as failed:
        print(f"FAILED at {failed}", file=sys.stderr)
        return 1
    except (IndexError, KeyError, ValueError, binascii.Error) as error:
        print(f"FAILED: not a readable export ({error})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
