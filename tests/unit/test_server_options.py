"""`kyros serve` runs uvicorn on the libraries pyproject installs, not on its fallbacks: a
dependency missing from a plain install would silently put every user on h11 and asyncio."""

from __future__ import annotations

import asyncio

import uvicorn

from kyros.cli_serve import uvicorn_options
from kyros.settings import Settings


async def _app(scope: object, receive: object, send: object) -> None:
    """An ASGI app for uvicorn's config to load; never called."""


def test_served_with_httptools_uvloop_and_sansio_websockets(tmp_path: object) -> None:
    config = uvicorn.Config(_app, **uvicorn_options(Settings(data_dir=tmp_path)))  # type: ignore[arg-type]
    config.load()

    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    assert config.ws_protocol_class is not None
    assert config.ws_protocol_class.__name__ == "WebSocketsSansIOProtocol"
    factory = config.get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop"), type(loop)
        assert isinstance(loop, asyncio.AbstractEventLoop)
    finally:
        loop.close()
