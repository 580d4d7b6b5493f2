"""One access log line and one metrics observation per HTTP request.

The line names the route's template, never the raw path, so no id, query string or `?token=`
reaches the log; headers are never logged. It runs inside the request-id middleware, so the
line carries the request's id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from kyros.observability.http_metrics import HttpMetrics

log = logging.getLogger("kyros.access")


def access_middleware(metrics: HttpMetrics) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500  # what the client gets if the app fails before answering

            async def send_noting_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_noting_status)
            finally:
                seconds = time.perf_counter() - started
                method, route = scope["method"], scope["path_template"]
                metrics.observe(method, route, status, seconds)
                principal = scope.get("state", {}).get("principal")
                who = principal.subject if principal is not None else None
                log.info(
                    "%s %s %d %.1fms principal=%s",
                    method,
                    route,
                    status,
                    seconds * 1000,
                    who or "-",
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                        "principal": who,
                    },
                )

        return middleware

    return wrap
