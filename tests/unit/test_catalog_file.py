"""KYROS_MODELS_FILE: models added to, or overriding, the built-in catalog."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kyros.domain.model_catalog import DEFAULT_CATALOG
from kyros.model_catalog_file import CatalogFileError, load_catalog

NEW_MODEL: dict[str, Any] = {
    "name": "sim-coder",
    "provider": "Simulated",
    "status": "available",
    "recommended_usage": "tests",
    "capabilities": ["code_generation"],
    "limits": {"max_tokens": 1000, "requests_per_minute": 10, "tokens_per_minute": 10000},
    "pricing": {"input_per_1k": 0.0003, "output_per_1k": 0.0007, "cached_input_per_1k": 0.00003},
    "connection": {"kind": "simulated"},
}


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "models.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def test_without_a_file_the_catalog_is_the_built_in_one() -> None:
    assert load_catalog(None) is DEFAULT_CATALOG


def test_a_new_model_is_appended_with_prices_exactly_as_written(tmp_path: Path) -> None:
    catalog = load_catalog(write(tmp_path, {"models": [NEW_MODEL]}))
    assert catalog.names() == ("glm-4.5", "claude-4.1-opus", "sim-coder")
    assert catalog.get("sim-coder").pricing.output_per_1k == Decimal("0.0007")
    assert catalog.get("sim-coder").connection.kind == "simulated"


def test_an_entry_naming_a_built_in_model_overrides_only_what_it_gives(tmp_path: Path) -> None:
    override = {"name": "glm-4.5", "status": "disabled", "pricing": {"output_per_1k": "0.003"}}
    glm = load_catalog(write(tmp_path, {"models": [override]})).get("glm-4.5")
    assert glm.status == "disabled"
    assert (glm.pricing.input_per_1k, glm.pricing.output_per_1k) == (
        Decimal("0.001"),
        Decimal("0.003"),
    )
    assert glm.limits == DEFAULT_CATALOG.get("glm-4.5").limits


@pytest.mark.parametrize(
    "document",
    [
        "{not json",
        {"model": []},
        {"models": [{"status": "disabled"}]},
        {"models": [{**NEW_MODEL, "limits": {"max_tokens": 0}}]},
        {"models": [{**NEW_MODEL, "pricing": {**NEW_MODEL["pricing"], "input_per_1k": -1}}]},
        {"models": [{**NEW_MODEL, "status": "sleepy"}]},
        {"models": [{"name": "half-a-model", "provider": "X"}]},
    ],
)
def test_an_unusable_file_fails_at_startup_naming_itself(tmp_path: Path, document: object) -> None:
    path = write(tmp_path, document)
    with pytest.raises(CatalogFileError) as caught:
        load_catalog(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_fails_at_startup(tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError):
        load_catalog(tmp_path / "absent.json")
