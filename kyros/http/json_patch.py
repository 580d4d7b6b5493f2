"""Reads a partial-update body (a JSON object of settings to change) that no schema types."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from kyros.domain.errors import DomainError

_PLAIN = msgspec.json.Decoder()
_EXACT = msgspec.json.Decoder(float_hook=Decimal)


def json_patch(body: bytes, *, exact_numbers: bool = False) -> dict[str, Any]:
    """With `exact_numbers`, Decimals, not floats: thresholds and money keep the digits the
    client sent."""
    try:
        patch = (_EXACT if exact_numbers else _PLAIN).decode(body)
    except msgspec.DecodeError:
        raise DomainError("Malformed JSON", field="body") from None
    except RecursionError:
        raise DomainError("Nested too deeply", field="body") from None
    if not isinstance(patch, dict):
        raise DomainError("Must be a JSON object", field="body")
    return patch
