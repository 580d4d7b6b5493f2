"""The outbox projection: one delivery per (event, subscribed endpoint), exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from kyros.bootstrap import Kyros
from kyros.commands.webhooks import (
    DeleteWebhook,
    UpdateWebhook,
    delete_webhook,
    update_webhook,
)
from tests.builders.commands import make_task, make_webhook
from tests.integration.helpers import table

pytestmark = pytest.mark.both_stores  # the outbox in each store

OUTBOX = "webhook_outbox"


def rows(kyros: Kyros) -> list[dict[str, Any]]:
    kyros.engine.catch_up(OUTBOX, 500)
    return table(kyros.db, "webhook_deliveries", "position, webhook_id")


def test_each_event_is_enqueued_once_per_subscribed_endpoint(kyros: Kyros) -> None:
    make_task(kyros.app, title="before any webhook")
    wants_created = make_webhook(kyros, ["task.created"])
    wants_nothing_here = make_webhook(kyros, ["task.completed"])
    make_task(kyros.app, title="after")
    found = rows(kyros)
    assert [(r["webhook_id"], r["event_type"]) for r in found] == [(wants_created, "task.created")]
    assert wants_nothing_here not in {r["webhook_id"] for r in found}
    assert found[0]["status"] == "pending"
    assert found[0]["message_id"] == "msg_" + found[0]["id"].removeprefix("dlv_")


def test_a_rebuild_re_derives_the_same_rows_and_enqueues_nothing_twice(kyros: Kyros) -> None:
    make_webhook(kyros, ["task.created"])
    for n in range(3):
        make_task(kyros.app, title=f"t{n}")
    before = rows(kyros)
    kyros.engine.reset(OUTBOX)
    after = rows(kyros)
    assert [r["id"] for r in after] == [r["id"] for r in before]
    assert len(after) == 3


def test_paused_and_deleted_endpoints_get_no_new_deliveries(kyros: Kyros) -> None:
    paused, deleted = make_webhook(kyros, ["task.created"]), make_webhook(kyros, ["task.created"])
    update_webhook(
        kyros.app, UpdateWebhook(webhook_id=paused, fields={"status": "paused"}, actor="t")
    )
    delete_webhook(kyros.app, DeleteWebhook(webhook_id=deleted, actor="t"))
    make_task(kyros.app, title="unheard")
    assert rows(kyros) == []
