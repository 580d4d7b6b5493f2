"""Output for people (aligned tables) and for scripts (`--json`)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import msgspec

_encoder = msgspec.json.Encoder(decimal_format="number")


def as_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value, builtin_types=(Decimal,))


def emit_json(value: Any) -> None:
    sys.stdout.write(_encoder.encode(as_builtins(value)).decode() + "\n")


def table(rows: Iterable[Any], columns: Sequence[str]) -> None:
    """Rows (structs or dicts) as a plain aligned table; cells cut at 48 characters."""
    cells = [[cell(_get(row, c)) for c in columns] for row in rows]
    if not cells:
        sys.stdout.write("(none)\n")
        return
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    header = "  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))
    sys.stdout.write(header.rstrip() + "\n")
    for row in cells:
        sys.stdout.write(
            "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )


def fields(value: Any) -> None:
    """One record as `key: value` lines."""
    data = as_builtins(value)
    width = max((len(k) for k in data), default=0)
    for key, item in data.items():
        sys.stdout.write(f"{key.ljust(width)}  {cell(item, limit=200)}\n")


def _get(row: Any, column: str) -> Any:
    value = row
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


def cell(value: Any, limit: int = 48) -> str:
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    elif isinstance(value, (dict, msgspec.Struct)):
        value = _encoder.encode(as_builtins(value)).decode()
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
