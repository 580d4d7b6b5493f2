"""The model catalog of this deployment: the built-in models, plus KYROS_MODELS_FILE if set."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from kyros.domain.model_catalog import DEFAULT_CATALOG, Catalog, ModelSpec

_decoder = msgspec.json.Decoder(float_hook=Decimal)  # prices keep the digits written
_NESTED = ("limits", "pricing", "connection")


class CatalogFileError(ValueError):
    """A models file that cannot be used; the message names the file and the entry."""


def load_catalog(path: Path | None) -> Catalog:
    """The built-in catalog, with each entry of `path` merged in by name.

    An entry naming a built-in model overrides only the keys it gives (nested objects merge
    key by key), so `{"name": "glm-4.5", "status": "disabled"}` disables GLM; an entry with a
    new name must be a whole model and is appended after the built-in ones.
    """
    if path is None:
        return DEFAULT_CATALOG
    try:
        document = _decoder.decode(path.read_bytes())
    except (OSError, msgspec.DecodeError) as error:
        raise CatalogFileError(f"KYROS_MODELS_FILE {path}: {error}") from None
    entries = document.get("models") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise CatalogFileError(f'KYROS_MODELS_FILE {path}: must be {{"models": [...]}}')
    models = {model.name: msgspec.to_builtins(model) for model in DEFAULT_CATALOG.models}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise CatalogFileError(f"KYROS_MODELS_FILE {path}: models[{index}] needs a name")
        models[entry["name"]] = _merge(models.get(entry["name"], {}), entry)
    specs = []
    for name, fields in models.items():
        try:
            specs.append(_checked(msgspec.convert(fields, ModelSpec, strict=False)))
        except (msgspec.ValidationError, ValueError) as error:
            raise CatalogFileError(f"KYROS_MODELS_FILE {path}: model {name!r}: {error}") from None
    return Catalog(tuple(specs))


def _merge(base: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **entry}
    for key in _NESTED:
        if isinstance(base.get(key), dict) and isinstance(entry.get(key), dict):
            merged[key] = {**base[key], **entry[key]}
    return merged


def _checked(model: ModelSpec) -> ModelSpec:
    pricing, limits = model.pricing, model.limits
    if min(pricing.input_per_1k, pricing.output_per_1k, pricing.cached_input_per_1k) < 0:
        raise ValueError("prices must not be negative")
    if min(limits.max_tokens, limits.requests_per_minute, limits.tokens_per_minute) < 1:
        raise ValueError("limits must be at least 1")
    if not model.name.strip() or len(model.name) > 100 or "/" in model.name:
        raise ValueError("a name must be 1 to 100 characters without '/'")
    return model
