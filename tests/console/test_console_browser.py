"""The operator console in a real browser (headless Chromium) against a live server: signing in,
a premium task appearing and its escalation approved while the task moves, role-aware controls,
hostile titles shown as text, and not one console error or CSP violation on any page."""

from __future__ import annotations

import json

import httpx

from kyros.bootstrap import Kyros
from tests.builders.commands import PASSWORD, make_user
from tests.builders.http import agent_client, create_budget, create_task, register_agent
from tests.console.browser import Problems, new_page, screenshot, sign_in
from tests.e2e.agent_helpers import claim, complete, data
from tests.http_client import http_client

SECURE = {
    "title": "Implement OAuth2 login with SAML and JWT session tokens",
    "files_to_modify": ["auth/oauth2.py"],
}
HOSTILE = '<img src=x onerror=alert(1)><script>alert("t")</script>'


def premium_submission(developer: httpx.Client, **fields: object) -> tuple[str, str]:
    """A task routed to the premium model, waiting for approval: (task id, escalation id)."""
    task = create_task(developer, **{**SECURE, **fields})
    submitted = data(
        developer.post("/v1/agents/implementer/submit", json={"task_id": task["id"]}), 202
    )
    assert submitted["status"] == "awaiting_approval", submitted
    return task["id"], submitted["escalation"]["escalation_id"]


def test_an_approver_watches_a_premium_task_arrive_approves_it_and_sees_it_move_without_reload(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    developer: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    make_user(kyros, "olivia", roles=["admin"])
    create_budget(client, name="Daily premium", limit=50)
    page = new_page(browser, problems)
    sign_in(page, base_url, "olivia")
    page.get_by_text("No tasks match").wait_for()
    page.evaluate("window.notReloaded = true")

    task_id, _ = premium_submission(developer)
    row = page.locator(f"tr[data-task-id='{task_id}']")
    row.get_by_text("awaiting approval").wait_for()  # pushed over the WebSocket, no reload
    screenshot(page, "tasks")

    page.get_by_role("link", name="Escalations").click()
    card = page.locator("article.card").filter(has_text=SECURE["title"])
    card.get_by_text("Daily premium (daily, hard)").wait_for()  # the budget it would draw on
    screenshot(page, "escalations")

    card.get_by_role("link", name=SECURE["title"]).click()
    page.locator("#task-status", has_text="awaiting approval").wait_for()
    page.get_by_label("Comment (optional)").fill("Security-critical: <b>go</b>")
    page.get_by_role("button", name="Approve").click()
    page.locator("#task-status", has_text="queued").wait_for()
    page.get_by_text("Security-critical: <b>go</b>").wait_for()
    page.get_by_text("on claude-4.1-opus, held on 1 budget").wait_for()  # the reservation
    screenshot(page, "task-approved")

    page.get_by_role("link", name="Budgets and alerts").click()
    figures = page.locator(".figures").first
    figures.get_by_text("$0.00 spent").wait_for()
    meter = page.get_by_role("meter", name="Daily premium")
    before = meter.get_attribute("aria-valuenow")  # the approved work's reservation
    with agent_client(kyros, base_url) as agent:
        held = claim(agent, register_agent(agent))
        assert held is not None and held["model"] == "claude-4.1-opus"
        usage = {"model": held["model"], "input_tokens": 40_000, "output_tokens": 6_000}
        assert complete(agent, held["submission_id"], **usage, cached_tokens=0).status_code == 200
    figures.get_by_text("$1.05 spent").wait_for()  # 40k at 0.015 + 6k at 0.075 per 1,000 tokens
    assert meter.get_attribute("aria-valuenow") == "2.1" != before  # the bar moved
    screenshot(page, "budgets")
    page.get_by_role("link", name="Costs").click()
    page.locator("#cost-total", has_text="$1.05").wait_for()
    page.get_by_role("meter", name="claude-4.1-opus: $1.05").first.wait_for()
    screenshot(page, "costs")
    assert page.evaluate("window.notReloaded") is True


def test_a_viewer_sees_the_pending_escalation_but_no_approve_button(
    kyros: Kyros,
    base_url: str,
    developer: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    premium_submission(developer)
    make_user(kyros, "vera", roles=["viewer"])
    page = new_page(browser, problems)
    sign_in(page, base_url, "vera")
    page.get_by_role("link", name="Escalations").click()
    card = page.locator("article.card").filter(has_text=SECURE["title"])
    card.get_by_text("Your roles cannot decide escalations").wait_for()
    assert page.get_by_role("button", name="Approve").count() == 0
    assert page.get_by_role("link", name="Budgets and alerts").count() == 1  # alerts only
    screenshot(page, "escalations-viewer")


def test_the_requester_cannot_decide_their_own_escalation_in_the_console(
    kyros: Kyros,
    base_url: str,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    make_user(kyros, "adam", roles=["admin"])
    with http_client(base_url=base_url, timeout=30) as anonymous:
        login = anonymous.post("/v1/auth/login", data={"username": "adam", "password": PASSWORD})
        token = login.json()["data"]["access_token"]
    with http_client(
        base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as adam:
        premium_submission(adam)
    page = new_page(browser, problems)
    sign_in(page, base_url, "adam")
    page.get_by_role("link", name="Escalations").click()
    page.get_by_text("You requested this escalation").wait_for()
    assert page.get_by_role("button", name="Approve").count() == 0


def test_a_hostile_task_title_renders_as_text_and_runs_nothing(
    kyros: Kyros,
    base_url: str,
    developer: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    task_id = create_task(developer, title=HOSTILE, description=HOSTILE)["id"]
    make_user(kyros, "hal", roles=["developer"])
    page = new_page(browser, problems, width=390, height=844)  # a phone
    sign_in(page, base_url, "hal")
    page.locator(f"tr[data-task-id='{task_id}']").get_by_role("link", name=HOSTILE).click()
    page.get_by_role("heading", name=HOSTILE).wait_for()
    assert page.locator("main img, main script").count() == 0
    screenshot(page, "task-hostile-phone")


def test_a_wrong_password_is_refused_and_an_ended_session_returns_to_sign_in_with_a_message(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    user_id = make_user(kyros, "sam", roles=["viewer"])
    page = new_page(browser, problems)
    page.goto(f"{base_url}/console")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Check the username and password").wait_for()
    problems.errors = [e for e in problems.errors if "401" not in e]  # the refused login itself
    sign_in(page, base_url, "sam")
    assert client.post(f"/v1/users/{user_id}/disable").status_code == 200
    page.get_by_role("link", name="Escalations").click()
    page.get_by_text("Your session has ended").wait_for()
    page.get_by_label("Username").wait_for()
    problems.errors = [e for e in problems.errors if "401" not in e and "403" not in e]


def test_an_approver_acknowledges_then_resolves_a_budget_alert_and_it_leaves_the_list(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    developer: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    create_budget(client, name="Tight", limit=1, alert_threshold=0.1)
    _, escalation_id = premium_submission(developer)
    decision = {"decision": "approved"}
    approved = client.post(f"/v1/escalation/{escalation_id}/approve", json=decision)
    assert approved.status_code == 200, approved.text  # reserves 0.32 of 1.00: past 10%
    make_user(kyros, "alma", roles=["approver"])
    page = new_page(browser, problems)
    sign_in(page, base_url, "alma")
    page.get_by_role("link", name="Budgets and alerts").click()
    alert = page.locator("li[data-alert-id]").filter(has_text="budget threshold")
    alert.get_by_text("(active)").wait_for()
    screenshot(page, "alerts")
    alert.get_by_role("button", name="Acknowledge").click()
    alert.get_by_text("(acknowledged)").wait_for()
    assert alert.get_by_role("button", name="Acknowledge").count() == 0
    alert.get_by_role("button", name="Resolve").click()
    page.get_by_text("No open alerts.").wait_for()


def test_an_admin_edits_the_configuration_and_sees_a_refused_value_named_at_its_field(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    make_user(kyros, "ada", roles=["admin"])
    page = new_page(browser, problems)
    sign_in(page, base_url, "ada")
    page.get_by_role("link", name="Configuration").click()
    threshold = page.get_by_label("auto approve threshold")
    threshold.fill("5")
    page.get_by_role("button", name="Save escalation").click()
    page.locator("[id='escalation.auto_approve_threshold'][aria-invalid='true']").wait_for()
    problems.errors = [e for e in problems.errors if "422" not in e]  # the refusal itself
    threshold.fill("0.9")
    page.get_by_role("button", name="Save escalation").click()
    page.get_by_text("Saved.").wait_for()
    escalation = client.get("/v1/configuration").json()["data"]["escalation"]
    assert escalation["auto_approve_threshold"] == 0.9
    screenshot(page, "configuration")


def test_an_auditor_reads_the_configuration_and_agents_but_can_change_nothing(
    kyros: Kyros,
    base_url: str,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    make_user(kyros, "aud", roles=["auditor"])
    page = new_page(browser, problems)
    sign_in(page, base_url, "aud")
    page.get_by_role("link", name="Configuration").click()
    page.get_by_text("Read-only: only admins change the configuration.").wait_for()
    assert page.get_by_label("auto approve threshold").is_disabled()
    assert page.get_by_role("button", name="Save escalation").count() == 0
    assert "null" not in page.locator("main").inner_text()
    page.get_by_role("link", name="Agents and models").click()
    page.locator("tr[data-role='implementer']").wait_for()
    page.get_by_role("row", name="claude-4.1-opus").get_by_text("escalation").wait_for()
    screenshot(page, "agents")


def tab_to(page, role: str, name: str, limit: int = 40) -> None:  # type: ignore[no-untyped-def]
    """Presses Tab until the element of that role and accessible name has the focus."""
    target = page.get_by_role(role, name=name, exact=True)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached the {role} {name!r}")


def test_an_approver_signs_in_filters_and_decides_with_the_keyboard_alone(
    kyros: Kyros,
    base_url: str,
    developer: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    task_id, _ = premium_submission(developer)
    create_task(developer, title="A plain pending task")
    make_user(kyros, "kim", roles=["approver"])
    page = new_page(browser, problems)
    page.goto(f"{base_url}/console")
    page.get_by_label("Username").wait_for()
    page.keyboard.type("kim")  # the username field has the focus from the start
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#live[data-state='live']").wait_for()
    page.get_by_text("A plain pending task").wait_for()
    page.get_by_role("link", name="Skip to content").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.evaluate("location.hash") == "#/tasks"

    tab_to(page, "combobox", "Status")
    page.keyboard.press("ArrowDown")  # any → pending
    page.locator(f"tr[data-task-id='{task_id}']").wait_for(state="detached")
    page.get_by_text("A plain pending task").wait_for()
    assert page.evaluate("document.activeElement.id") == "filter-status"  # focus stays put

    tab_to(page, "link", "Escalations")
    page.keyboard.press("Enter")
    page.locator("article.card").wait_for()
    tab_to(page, "textbox", "Comment (optional)")
    page.keyboard.type("Fine by me")
    tab_to(page, "button", "Approve")
    page.keyboard.press("Enter")
    page.get_by_text("No escalation is waiting").wait_for()
    page.get_by_role("cell", name="Fine by me").wait_for()


def test_after_its_websocket_drops_the_console_resumes_from_its_last_position_and_misses_nothing(
    kyros: Kyros,
    base_url: str,
    developer: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    make_user(kyros, "rita", roles=["viewer"])
    page = new_page(browser, problems)
    sockets: list[tuple[object, object]] = []
    subscriptions: list[dict[str, object]] = []

    def proxy(ws) -> None:  # type: ignore[no-untyped-def]
        server = ws.connect_to_server()

        def upstream(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "subscribe":
                subscriptions.append(frame)
            server.send(message)

        ws.on_message(upstream)
        server.on_message(lambda message: ws.send(message))
        sockets.append((ws, server))

    page.route_web_socket("**/ws", proxy)
    sign_in(page, base_url, "rita")
    first = create_task(developer, title="Seen live before the drop")["id"]
    page.locator(f"tr[data-task-id='{first}']").wait_for()
    assert "since" not in subscriptions[0]

    page_side, server_side = sockets[0]
    server_side.close()  # type: ignore[attr-defined]
    page_side.close(code=1012, reason="server restarting")  # type: ignore[attr-defined]
    page.locator("#live[data-state='reconnecting']").wait_for()
    missed = create_task(developer, title="Created while the console was away")["id"]
    page.locator("#live[data-state='live']").wait_for()
    page.locator(f"tr[data-task-id='{missed}']").wait_for()  # replayed, then re-read
    assert len(sockets) == 2
    assert isinstance(subscriptions[1].get("since"), int)


def test_the_watch_on_every_page_catches_an_inline_script_the_policy_blocks(
    base_url: str,
    browser,  # type: ignore[no-untyped-def]
) -> None:
    watcher = Problems()
    page = new_page(browser, watcher)
    page.goto(f"{base_url}/console")
    page.get_by_label("Username").wait_for()
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.ran = true'; document.body.append(s); }"""
    )
    assert page.evaluate("window.ran === undefined")  # the policy blocked it
    for _ in range(100):  # the violation's console message arrives asynchronously
        if any("CSP violation" in e for e in watcher.errors):
            break
        page.wait_for_timeout(50)
    assert any("CSP violation: script-src" in e for e in watcher.errors), watcher.errors
