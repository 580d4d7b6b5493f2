"""The operator console at /console: one page, native ES modules and a stylesheet, strict CSP."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from litestar import Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

from kyros.http.auth import PUBLIC

ASSETS = Path(__file__).parent / "static" / "console"
PAGE = ASSETS / "index.html"

# No inline script or style anywhere, nothing from another origin, never framed. `connect-src
# 'self'` covers the same-origin WebSocket too (CSP Level 3), so no `ws:` wildcard is needed.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _secured(response: Response[Any]) -> Response[Any]:
    """`after_request` (a router's `response_headers` do not reach the static files' answers)."""
    response.headers.update(SECURITY_HEADERS)
    return response


@get(
    ["/", "/oauth2/{provider:str}"],
    include_in_schema=False,
    opt=PUBLIC,
    cache_control=CacheControlHeader(no_store=True),
)
async def console_page() -> Response[bytes]:
    """The one page; views are `#/…` routes. `/oauth2/{provider}` is where a provider sends the
    browser back (set `KYROS_OAUTH2_REDIRECT_URI` to `…/console/oauth2/{provider}`)."""
    return Response(_page(), media_type="text/html; charset=utf-8")


@cache
def _page() -> bytes:
    """Read once: the page is part of the installed package and never changes under it."""
    return PAGE.read_bytes()


def console_router() -> Router:
    assets = create_static_files_router(
        path="/assets",
        directories=[ASSETS / "assets"],
        include_in_schema=False,
        opt=PUBLIC,
        cache_control=CacheControlHeader(no_cache=True),  # revalidate: a new release shows at once
        after_request=_secured,
    )
    return Router(
        path="/console",
        route_handlers=[console_page, assets],
        after_request=_secured,
        include_in_schema=False,
    )
