"""Headless Chromium from the distribution's packages, driven by Playwright, watching every page
for console errors, uncaught exceptions and Content-Security-Policy violations."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.builders.commands import PASSWORD

CHROMIUM = os.environ.get("KYROS_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots of each view, kept after the run (var/ is not committed).
ARTIFACTS = Path(os.environ.get("KYROS_TEST_ARTIFACTS", "var/test-artifacts")) / "console"
# Reported from the page itself, so a violation shows even where Chromium does not log one.
_REPORT_CSP = """document.addEventListener('securitypolicyviolation', (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));"""


def chromium_executable() -> str:
    if not Path(CHROMIUM).exists():
        message = f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI requires it for the console tests", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


class Problems:
    """What went wrong on the pages of one test: console errors, page errors, dialogs."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page) -> None:  # type: ignore[no-untyped-def]
        def console(message) -> None:  # type: ignore[no-untyped-def]
            if message.type == "error":
                where = message.location.get("url", "")
                self.errors.append(f"console: {message.text} at {where}")

        page.on("console", console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

        def dialog(d) -> None:  # type: ignore[no-untyped-def]
            self.errors.append(f"dialog: {d.message}")  # an injected alert() would land here
            d.dismiss()

        page.on("dialog", dialog)


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, problems: Problems, *, width: int = 1280, height: int = 800):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(_REPORT_CSP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems.watch(page)
    return page


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/console")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    page.locator("#live[data-state='live']").wait_for()  # subscribed: nothing can be missed
