"""A bare Litestar route serving a fixed body: the request-path benchmark's baseline.

Runs under the same uvicorn options as `kyros serve`, so the difference between the two is
what Kyros adds to a request (middleware, authentication, the read-model query).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from litestar import Litestar, Response, get


def bare_app(body: bytes) -> Litestar:
    @get("/v1/tasks/{task_id:str}", sync_to_thread=False)
    def task(task_id: str) -> Response[bytes]:
        return Response(body, media_type="application/json")

    return Litestar(route_handlers=[task], logging_config=None, debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body-file", type=Path, required=True)
    args = parser.parse_args()
    uvicorn.run(
        bare_app(args.body_file.read_bytes()),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
