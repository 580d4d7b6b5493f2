"""OpenAPI 3.1 at /v1/schema, with a Swagger UI whose assets Kyros serves itself (works offline)."""

from __future__ import annotations

from pathlib import Path

from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS = Path(__file__).parent / "static" / "swagger-ui"
ASSETS_PATH = "/v1/docs-assets"


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
        render_plugins=[swagger],
    )


def assets_router():  # type: ignore[no-untyped-def]
    return create_static_files_router(
        path=ASSETS_PATH, directories=[ASSETS], include_in_schema=False, opt={"public": True}
    )
