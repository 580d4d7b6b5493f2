"""Webhooks in the console, in a real browser: a new endpoint's secret shown once and never
again, a test send, its delivery log with the failed attempt, and a redelivery."""

from __future__ import annotations

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_user
from tests.console.browser import Problems, new_page, screenshot, sign_in

CLOSED = "http://127.0.0.1:9/hook"  # nothing listens: every attempt fails and is logged


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, webhook_allow_private=True)


def test_an_admin_adds_a_webhook_sees_its_secret_once_tests_it_and_redelivers(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
) -> None:
    problems = Problems()
    make_user(kyros, "wes", roles=["admin"])
    page = new_page(browser, problems)
    sign_in(page, base_url, "wes")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_text("No webhooks yet").wait_for()
    page.get_by_label("URL").fill(CLOSED)
    page.get_by_label("Description").fill('<b onmouseover="x()">ops</b>')
    page.get_by_label("task.completed").check()
    page.get_by_role("button", name="Add webhook").click()
    secret = page.locator("#hook-secret").inner_text()
    assert secret.startswith("whsec_")
    hook = page.locator("li[data-webhook-id]").filter(has_text=CLOSED)
    hook.wait_for()
    (listed,) = client.get("/v1/webhooks").json()["data"]["webhooks"]
    assert "task.completed" in listed["events"] and "escalation.approved" in listed["events"]
    screenshot(page, "webhooks-secret-once")

    page.get_by_role("button", name="I have stored it").click()
    page.get_by_role("link", name="Tasks").click()
    page.get_by_role("link", name="Webhooks").click()
    hook.wait_for()
    assert secret not in page.content()  # never rendered twice

    hook.get_by_role("button", name="Send test").click()
    row = hook.locator("tr[data-delivery-id]").filter(has_text="webhook.test")
    row.wait_for()
    for _ in range(40):  # deliveries are not pushed: read them again until the attempt is in
        if row.get_by_text("ConnectError").count():
            break
        page.wait_for_timeout(250)
        hook.get_by_role("button", name="Refresh").click()
    row.get_by_text("ConnectError").wait_for()  # the failed attempt, logged
    row.get_by_role("button", name="Redeliver").click()
    page.locator("tr[data-delivery-id]").nth(1).wait_for()  # the new delivery beside it
    screenshot(page, "webhooks-deliveries")
    assert [e for e in problems.errors if "ConnectError" not in e] == []
