"""The baseline server: a bare Litestar route that answers fixed bytes, under the same uvicorn
options as `kyros serve` (kyros.cli_serve.SERVER_OPTIONS), so a ratio measures Kyros's own path.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from litestar import Litestar, Response, get

from kyros.cli_serve import SERVER_OPTIONS


def app_for(body: bytes, content_type: str) -> Litestar:
    @get("/bare/{item:str}", sync_to_thread=False)
    def item(item: str) -> Response[bytes]:
        return Response(body, media_type=content_type)

    @get("/bare", sync_to_thread=False)
    def probe() -> Response[bytes]:
        return Response(body, media_type=content_type)

    return Litestar(route_handlers=[item, probe], openapi_config=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--body", type=Path, required=True)
    parser.add_argument("--type", default="application/json")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = app_for(args.body.read_bytes(), args.type)
    uvicorn.run(app, host="127.0.0.1", port=args.port, **SERVER_OPTIONS)


if __name__ == "__main__":
    main()
