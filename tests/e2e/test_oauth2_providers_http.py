"""GET /v1/auth/oauth2: the configured OAuth2 providers' names, for a sign-in page to offer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.conftest import GENEROUS_LIMITS, LiveServer
from tests.http_client import http_client


@pytest.fixture
def settings(settings: Settings) -> Settings:
    environ = {
        "KYROS_OAUTH2_REDIRECT_URI": "http://127.0.0.1:8000/console/oauth2/{provider}",
        "KYROS_OAUTH2_GITHUB_CLIENT_ID": "an-id",
        "KYROS_OAUTH2_GITHUB_CLIENT_SECRET": "a-secret-never-listed",
        "KYROS_OAUTH2_ACME_SSO_CLIENT_ID": "another-id",
        "KYROS_OAUTH2_ACME_SSO_CLIENT_SECRET": "another-secret-never-listed",
        "KYROS_OAUTH2_ACME_SSO_AUTHORIZE_URL": "https://sso.acme.test/authorize",
        "KYROS_OAUTH2_ACME_SSO_TOKEN_URL": "https://sso.acme.test/token",
        "KYROS_OAUTH2_ACME_SSO_USERINFO_URL": "https://sso.acme.test/userinfo",
    }
    providers = Settings.from_env(environ).oauth2_providers
    return msgspec.structs.replace(settings, oauth2_providers=providers)


def test_anyone_may_list_the_configured_providers_by_name_and_nothing_else(
    anonymous: httpx.Client,
) -> None:
    response = anonymous.get("/v1/auth/oauth2")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"providers": ["acme-sso", "github"]}
    assert "secret" not in response.text and "an-id" not in response.text


def test_no_configured_provider_lists_none(kyros_without_providers: httpx.Client) -> None:
    response = kyros_without_providers.get("/v1/auth/oauth2")
    assert response.status_code == 200
    assert response.json()["data"] == {"providers": []}


@pytest.fixture
def kyros_without_providers(tmp_path: Path) -> Iterator[httpx.Client]:
    plain = Settings(data_dir=tmp_path / "plain", rate_limits=GENEROUS_LIMITS)  # type: ignore[arg-type]
    with Kyros(plain) as instance, LiveServer(instance) as url, http_client(base_url=url) as c:
        yield c
