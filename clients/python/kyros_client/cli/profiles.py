"""Saved logins: one JSON file in the user's config directory, readable by its owner only."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def config_path() -> Path:
    base = os.environ.get("KYROSCTL_CONFIG")
    if base:
        return Path(base)
    root = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return root / "kyros" / "profiles.json"


def load() -> dict[str, Any]:
    path = config_path()
    if not path.exists():
        return {"profiles": {}}
    return json.loads(path.read_text())


def save(config: dict[str, Any]) -> None:
    """Writes through a 0600 file created fresh, so the secrets are never world-readable."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(config, out, indent=2, sort_keys=True)
    os.chmod(temporary, 0o600)
    temporary.replace(path)


def profile(name: str) -> dict[str, Any] | None:
    return load()["profiles"].get(name)


def store(name: str, values: dict[str, Any]) -> None:
    config = load()
    config["profiles"][name] = values
    save(config)


def forget(name: str) -> bool:
    config = load()
    gone = config["profiles"].pop(name, None) is not None
    save(config)
    return gone
