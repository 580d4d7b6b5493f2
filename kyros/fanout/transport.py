"""Whether this process can accept WebSocket connections at all."""

from __future__ import annotations

from importlib.util import find_spec

# uvicorn's `ws="auto"` picks the first of these that imports; with neither it answers every
# upgrade as plain HTTP, and Litestar then says 405 on /ws.
UPGRADE_LIBRARIES = ("websockets", "wsproto")


def upgrade_library() -> str | None:
    """The library that would serve WebSocket upgrades here, or None when none is installed."""
    for name in UPGRADE_LIBRARIES:
        try:
            if find_spec(name) is not None:
                return name
        except (ImportError, ValueError):  # blocked or half-installed: not usable
            continue
    return None
