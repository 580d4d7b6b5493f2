"""The SDK's committed models and namespaces match what the running server documents."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx

from tests.sdk.conftest import SDK


def _generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "generate_models", SDK / "scripts" / "generate_models.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_models_are_what_the_servers_openapi_document_generates(
    base_url: str,
) -> None:
    document = httpx.get(f"{base_url}/v1/schema/openapi.json", timeout=30).json()
    generated = _generator().generate(document)  # type: ignore[attr-defined]
    committed = SDK / "kyros_client" / "_generated"
    stale = [name for name, text in generated.items() if (committed / name).read_text() != text]
    assert not stale, (
        f"clients/python/kyros_client/_generated/{stale} are stale: run "
        "`python clients/python/scripts/generate_models.py http://127.0.0.1:8000/v1/schema/openapi.json`"
        " against a server of this checkout"
    )
    assert {p.name for p in Path(committed).glob("*.py")} == set(generated)
