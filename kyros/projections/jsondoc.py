"""JSON documents in read-model columns, with exact decimals both ways."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

_encoder = msgspec.json.Encoder(decimal_format="number")
_decoder = msgspec.json.Decoder(float_hook=Decimal)


def dumps(doc: Any) -> str:
    return _encoder.encode(doc).decode()


def loads(text: str | bytes) -> Any:
    return _decoder.decode(text)
