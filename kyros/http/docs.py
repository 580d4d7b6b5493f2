"""OpenAPI 3.1 at /v1/schema, with a Swagger UI whose assets Kyros serves itself (works offline)."""

from __future__ import annotations

from pathlib import Path

from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityRequirement, SecurityScheme
from litestar.static_files import create_static_files_router

from kyros.http.openapi_document import DocumentedJsonRenderPlugin

ASSETS = Path(__file__).parent / "static" / "swagger-ui"
ASSETS_PATH = "/v1/docs-assets"

# Every operation needs one of these unless it declares `security=ANONYMOUS` (Litestar adds a
# router's and a handler's requirements together, so a public route cannot subtract from a
# router-level list: the requirement is document-wide and public routes override it).
SECURED: list[SecurityRequirement] = [{"BearerAuth": []}, {"ApiKeyHeader": []}]
ANONYMOUS: list[SecurityRequirement] = [{}]  # OpenAPI's "no credential needed"
SECURITY_SCHEMES = {
    "BearerAuth": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT",
        description="`Authorization: Bearer <token>`: an access token from a login, or an API "
        "key (`kyk_…`) in its place.",
    ),
    "ApiKeyHeader": SecurityScheme(
        type="apiKey",
        name="X-API-Key",
        security_scheme_in="header",
        description="An API key, for service-to-service calls.",
    ),
}


def openapi_config(version: str) -> OpenAPIConfig:
    swagger = SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        path="/swagger",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )
    return OpenAPIConfig(
        title="Kyros API",
        version=version,
        description="Control plane for AI coding agents. Every response uses the envelope "
        "`{success, data|error, message, timestamp, request_id}`.",
        path="/v1/schema",
        render_plugins=[swagger, DocumentedJsonRenderPlugin()],
        components=Components(security_schemes=dict(SECURITY_SCHEMES)),
        security=SECURED,
    )


def assets_router():  # type: ignore[no-untyped-def]
    return create_static_files_router(
        path=ASSETS_PATH, directories=[ASSETS], include_in_schema=False, opt={"public": True}
    )
