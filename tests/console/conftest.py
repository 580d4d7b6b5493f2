"""What every browser test of the console shares: one Chromium per module, the page-problem
watch that fails a test on any console error or CSP violation, and a developer's API client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kyros.bootstrap import Kyros
from tests.builders.commands import make_api_key
from tests.console.browser import Problems, chromium
from tests.http_client import http_client


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as instance:
        yield instance


@pytest.fixture
def problems() -> Iterator[Problems]:
    found = Problems()
    yield found
    assert found.errors == [], "the console logged errors or CSP violations"


@pytest.fixture
def developer(kyros: Kyros, base_url: str) -> Iterator[httpx.Client]:
    key = make_api_key(kyros, "developer", name="dev").key
    with http_client(
        base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {key}"}
    ) as c:
        yield c
