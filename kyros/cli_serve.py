"""How `kyros serve` runs uvicorn: one process, or N worker processes on PostgreSQL.

With `--workers N` uvicorn's supervisor starts N processes and restarts one that dies; each
builds its own Kyros from the same `KYROS_*` environment through `worker_app`, the factory.
Nothing is shared in memory between them: PostgreSQL is the only shared state (the log, read
models, leases that elect one runner per projection or dispatcher, LISTEN/NOTIFY), and Redis
(when configured) holds rate-limit counters. SQLite is refused for N > 1: its read models and
dispatchers have no election across processes, and it has one writer anyway.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from kyros.bootstrap import Kyros
from kyros.settings import Settings

# kyros serve and the benchmark's bare baseline route run uvicorn with exactly these.
# Kyros decides which proxies to trust (KYROS_TRUSTED_PROXIES), not uvicorn. Its records go to
# Kyros's log handler (log_config=None); Kyros writes the access log.
SERVER_OPTIONS: dict[str, Any] = {
    "log_level": "info",
    "log_config": None,
    "access_log": False,
    "proxy_headers": False,
    # "auto" takes what pyproject installs (tests/unit/test_server_options.py holds it to them)
    # and falls back where one is missing, rather than refusing to start (a server without a
    # WebSocket library still serves HTTP, and health says it cannot upgrade):
    # - websockets' sans-I/O protocol (uvicorn >= 0.50): ~18 % less server CPU per frame in a
    #   1,000-socket fan-out than the legacy one (scripts/bench_fanout.py);
    # - httptools' C parser and uvloop: GET /v1/tasks/{id} 1,493-1,742 -> 2,324-3,067/s
    #   (bench.py --only-get, SQLite); h11 alone was ~36 % of the event loop.
    "ws": "auto",
    "http": "auto",
    "loop": "auto",
}


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Per-message deflate only when configured: it compressed each frame once per socket,
    a third of the server's CPU in a 1,000-socket fan-out, to save a few hundred bytes."""
    return {**SERVER_OPTIONS, "ws_per_message_deflate": settings.ws_compression}


# A worker imports Kyros before it answers its supervisor's first ping: uvicorn's 5 s default
# killed workers on a busy 2-core machine. It is also how long a hung worker may go unnoticed.
WORKER_START_SECONDS = 30
SQLITE_SINGLE = (
    "--workers above 1 needs PostgreSQL (KYROS_DATABASE_URL): on SQLite every process would run"
    " every read model and dispatcher itself (there is no election across processes)"
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Served:
    """The app as served: every HTTP answer says which process gave it (`X-Kyros-Worker`, its
    pid). A worker's own Kyros (`owned`) closes once the server's lifespan has ended."""

    def __init__(self, app: ASGIApp, owned: Kyros | None) -> None:
        self.app, self.owned = app, owned
        self.header = (b"x-kyros-worker", str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" and self.owned is not None:
            try:
                await self.app(scope, receive, send)
            finally:
                self.owned.close()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = self.header

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        await self.app(scope, receive, stamped)


def served(kyros: Kyros, *, owned: bool = False) -> Served:
    from kyros.http.app import create_app

    return Served(create_app(kyros), kyros if owned else None)  # type: ignore[arg-type]


def worker_app() -> Served:
    """uvicorn's factory in each worker process: settings from the environment the parent
    prepared (the store exists and the first admin is made before any worker starts)."""
    from kyros.observability.log_format import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_format)
    app = served(Kyros(settings), owned=True)
    settle_heap()
    return app


def settle_heap() -> None:
    """Moves everything alive after start-up out of the collector's sight and collects the
    young generation less often. A full collection then walks only what requests and frames
    allocate, not the modules, routes and schemas (hundreds of thousands of objects): its
    pauses were the tail of WebSocket fan-out latency."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
