"""A msgpack transcoder that round-trips Decimal, UUID and UTC datetimes in events exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import Transcoder

_DECIMAL = 1
_UUID = 2
_NAIVE_DATETIME = 3


def _refuse(obj: Any) -> Any:
    raise TypeError(f"cannot store a value of type {type(obj).__name__} in an event")


def _decode_extension(code: int, data: memoryview) -> Any:
    if code == _DECIMAL:
        return Decimal(bytes(data).decode())
    if code == _UUID:
        return UUID(bytes=bytes(data))
    if code == _NAIVE_DATETIME:
        return datetime.fromisoformat(bytes(data).decode())
    raise ValueError(f"unknown msgpack extension {code} in a stored event")


class MsgpackTranscoder(Transcoder):
    """Typed binary encoding: JSON cannot tell "1.10" the Decimal from "1.10" the string.

    Aware datetimes use msgpack's timestamp type and come back in UTC with microseconds;
    tuples come back as lists.
    """

    def __init__(self) -> None:
        self._encoder = msgspec.msgpack.Encoder(enc_hook=_refuse)
        self._decoder = msgspec.msgpack.Decoder(ext_hook=_decode_extension)

    def encode(self, obj: Any) -> bytes:
        return self._encoder.encode(_normalise(obj))

    def decode(self, data: bytes) -> Any:
        return self._decoder.decode(data)


def _normalise(obj: Any) -> Any:
    """Tags the types msgspec would flatten to strings (Decimal, UUID, naive datetime)."""
    if isinstance(obj, dict):
        return {k: _normalise(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_normalise(v) for v in obj]
    if isinstance(obj, Decimal):
        return msgspec.msgpack.Ext(_DECIMAL, str(obj).encode())
    if isinstance(obj, UUID):
        return msgspec.msgpack.Ext(_UUID, obj.bytes)
    if isinstance(obj, datetime):
        if obj.tzinfo is None:
            return msgspec.msgpack.Ext(_NAIVE_DATETIME, obj.isoformat().encode())
        return obj.astimezone(UTC)
    return obj
