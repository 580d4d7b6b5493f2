"""The operator console at /console: a page, native ES modules and one CSS file, under a strict CSP."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, Router, get
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.static_files import create_static_files_router

from kyros.http.auth import PUBLIC

ASSETS = Path(__file__).parent / "console"
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
SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
    ResponseHeader(name="Cross-Origin-Opener-Policy", value="same-origin"),
]


@get(
    ["/", "/oauth2/{provider:str}"],
    include_in_schema=False,
    opt=PUBLIC,
    cache_control=CacheControlHeader(no_store=True),
)
async def console_page() -> Response[bytes]:
    """The one page; views are `#/…` routes. `/oauth2/{provider}` is where a provider sends the
    browser back (set `KYROS_OAUTH2_REDIRECT_URI` to `…/console/oauth2/{provider}`)."""
    return Response(PAGE.read_bytes(), media_type="text/html; charset=utf-8")


def console_router() -> Router:
    assets = create_static_files_router(
        path="/assets",
        directories=[ASSETS / "assets"],
        include_in_schema=False,
        opt=PUBLIC,
        cache_control=CacheControlHeader(no_cache=True),  # revalidate: a new release shows at once
    )
    return Router(
        path="/console",
        route_handlers=[console_page, assets],
        response_headers=SECURITY_HEADERS,
        include_in_schema=False,
    )
