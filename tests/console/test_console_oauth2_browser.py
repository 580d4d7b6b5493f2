"""Signing in to the console with an OAuth2 provider, in a real browser: Kyros on one socket, a
real OpenID provider (panva's oidc-provider) on another, Chromium going back and forth."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import msgspec
import pytest

from kyros.settings import Settings
from tests.console.browser import Problems, new_page, screenshot
from tests.oauth2_provider.fixture import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, running_provider


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with running_provider() as url:
        yield url


@pytest.fixture
def settings(settings: Settings, issuer: str) -> Settings:
    environ = {
        "KYROS_OAUTH2_REDIRECT_URI": REDIRECT_URI,
        "KYROS_OAUTH2_DEFAULT_ROLE": "developer",
        "KYROS_OAUTH2_ALLOW_INSECURE_LOOPBACK": "true",
        "KYROS_OAUTH2_LOCAL_CLIENT_ID": CLIENT_ID,
        "KYROS_OAUTH2_LOCAL_CLIENT_SECRET": CLIENT_SECRET,
        "KYROS_OAUTH2_LOCAL_ISSUER": issuer,
    }
    oauth2 = Settings.from_env(environ)
    fields = ("oauth2_providers", "oauth2_default_role", "oauth2_allow_insecure_loopback")
    return msgspec.structs.replace(settings, **{f: getattr(oauth2, f) for f in fields})


def test_a_newcomer_signs_in_with_the_configured_provider_and_lands_in_the_console(
    base_url: str,
    browser,  # type: ignore[no-untyped-def]
) -> None:
    problems = Problems()
    page = new_page(browser, problems)
    # The provider knows one redirect URI, registered before this server's port existed; a
    # reverse proxy would map it onto /console/oauth2/local, as this route does (nothing listens
    # on the registered URI itself).
    console_callback = f"{base_url}/console/oauth2/local"
    page.route(
        f"{REDIRECT_URI}?**",
        lambda route: route.fulfill(
            status=302,
            headers={"Location": f"{console_callback}?{urlsplit(route.request.url).query}"},
        ),
    )
    page.goto(f"{base_url}/console")
    page.get_by_role("button", name="local").click()
    page.locator("input[name='login']").fill("alice")
    page.locator("input[name='password']").fill("any password")
    page.locator("button[type='submit']").click()
    page.locator("button[type='submit']").click()  # consent
    # (Errors on the provider's own pages are not the console's: only the console's count.)
    page.get_by_role("button", name="Sign out").wait_for()
    page.get_by_text("Alice Example (developer)").wait_for()
    assert urlsplit(page.url).path == "/console"  # the single-use code is out of the history
    screenshot(page, "oauth2-signed-in")
    assert [e for e in problems.errors if not e.startswith("console:") or base_url in e] == []
