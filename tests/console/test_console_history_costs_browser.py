"""The console's task history timeline (read_audit only, live), the task list's model column and
filter, and the costs view's daily bars, in headless Chromium against a live server; not one
console error or CSP violation on any page."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from kyros.bootstrap import Kyros
from tests.builders.commands import make_user
from tests.builders.http import agent_client, create_task, register_agent
from tests.console.browser import Problems, new_page, screenshot, sign_in
from tests.e2e.agent_helpers import claim, complete, data, submit

HOSTILE = '<img src=x onerror=alert(1)><script>alert("t")</script>'
PREMIUM = {
    "title": "Implement OAuth2 login with SAML and JWT session tokens",
    "files_to_modify": ["auth/oauth2.py"],
}


def test_an_auditor_watches_a_task_history_grow_without_reload_and_a_viewer_sees_no_timeline(
    kyros: Kyros,
    base_url: str,
    developer: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    title = "Add rate limiting to the login endpoint"
    task_id = create_task(developer, title=title, description=HOSTILE)["id"]
    make_user(kyros, "audrey", roles=["auditor"])
    page = new_page(browser, problems)
    sign_in(page, base_url, "audrey")
    page.evaluate(f"location.hash = '#/tasks/{task_id}'")  # in-page: a reload signs out
    timeline = page.locator("#task-history")
    created = timeline.locator("li[data-event-type='task.created']")
    created.wait_for()
    created.get_by_text(HOSTILE).first.wait_for()  # the description in its data, as text
    assert page.locator("main img, main script").count() == 0
    page.evaluate("window.notReloaded = true")

    changed = developer.put(f"/v1/tasks/{task_id}", json={"priority": "critical"})
    assert changed.status_code == 200, changed.text
    updated = timeline.locator("li[data-event-type='task.updated']")
    updated.wait_for()  # pushed over the WebSocket, re-read: no reload
    updated.get_by_text("priority").first.wait_for()
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "task-history")

    make_user(kyros, "victor", roles=["viewer"])
    viewer = new_page(browser, problems)
    sign_in(viewer, base_url, "victor")
    viewer.locator(f"tr[data-task-id='{task_id}']").get_by_role("link").click()
    viewer.locator("#task-status").wait_for()
    assert viewer.get_by_role("heading", name="History").count() == 0
    assert viewer.locator("#task-history").count() == 0


def test_the_task_list_shows_each_model_and_filters_the_loaded_tasks_by_one(
    kyros: Kyros,
    base_url: str,
    developer: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    premium = create_task(developer, **PREMIUM)["id"]
    assert submit(developer, premium)["model_assigned"] == "claude-4.1-opus"
    plain = create_task(developer, title="Rename a variable")["id"]
    cheap = submit(developer, plain)["model_assigned"]
    assert cheap != "claude-4.1-opus"
    make_user(kyros, "mona", roles=["viewer"])
    page = new_page(browser, problems)
    sign_in(page, base_url, "mona")
    premium_row = page.locator(f"tr[data-task-id='{premium}']")
    premium_row.get_by_role("cell", name="claude-4.1-opus").wait_for()
    page.locator(f"tr[data-task-id='{plain}']").get_by_role("cell", name=cheap).wait_for()

    page.get_by_label("Model").select_option("claude-4.1-opus")
    page.locator(f"tr[data-task-id='{plain}']").wait_for(state="detached")
    premium_row.wait_for()
    page.locator("#model-filter-note", has_text="2 tasks loaded").wait_for()
    assert "model=claude-4.1-opus" in page.evaluate("location.hash")  # bookmarkable
    screenshot(page, "tasks-model-filter")


def test_the_costs_view_draws_todays_bar_once_a_completion_is_priced(
    kyros: Kyros,
    base_url: str,
    developer: httpx.Client,
    browser,  # type: ignore[no-untyped-def]
    problems: Problems,
) -> None:
    make_user(kyros, "cora", roles=["admin"])
    page = new_page(browser, problems)
    sign_in(page, base_url, "cora")
    page.get_by_role("link", name="Costs").click()
    today = datetime.now(UTC).date().isoformat()
    bar = page.locator(f"svg.days rect[data-day='{today}']")
    assert bar.get_attribute("data-cost") == "0"
    page.get_by_text("no priced work yet").wait_for()

    task_id = create_task(developer, title="Rename a variable")["id"]
    with agent_client(kyros, base_url) as agent:
        model = submit(developer, task_id)["model_assigned"]
        held = claim(agent, register_agent(agent))
        assert held is not None and held["task_id"] == task_id
        usage = {"model": model, "input_tokens": 40_000, "output_tokens": 6_000}
        done = complete(agent, held["submission_id"], **usage, cached_tokens=0)
        assert data(done)["status"] == "completed"
    cost = developer.get(f"/v1/tasks/{task_id}").json()["data"]["metadata"]["cost"]
    assert cost > 0
    page.locator(f"svg.days rect[data-day='{today}'][data-cost='{cost}']").wait_for()
    page.get_by_text("in all; the tallest bar is").wait_for()

    page.get_by_label("Period").select_option("month")  # a calendar period, one bar a day
    page.locator(f"svg.days rect[data-day='{today}'][data-cost='{cost}']").wait_for()
    first = datetime.now(UTC).date().replace(day=1).isoformat()
    page.locator(f"svg.days rect[data-day='{first}']").wait_for()
    assert "period=month" in page.evaluate("location.hash")
    screenshot(page, "costs-by-day")
