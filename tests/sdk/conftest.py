"""The SDK (clients/python) against a real server: importable here without installing it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SDK = Path(__file__).resolve().parents[2] / "clients" / "python"
if str(SDK) not in sys.path:
    sys.path.insert(0, str(SDK))

from kyros_client import Kyros  # noqa: E402

from tests.builders.commands import Credential  # noqa: E402


@pytest.fixture
def sdk(base_url: str, admin: Credential) -> Iterator[Kyros]:
    with Kyros(base_url, api_key=admin.key) as client:
        yield client
