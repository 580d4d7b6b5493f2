"""Delivery against a real receiver on loopback: outages, timeouts, throttling, 410, limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.builders.http import create_task, create_webhook
from tests.conftest import LiveServer
from tests.fanout.helpers import deliveries, eventually
from tests.fanout.receiver import Received, Receiver, Reply, by_message
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores  # the outbox and its wake-ups in each store


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def failing_first(times: int, reply: Reply) -> object:
    """Each message's first `times` requests get `reply`, later ones 200."""
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def behave(got: Received) -> Reply:
        with lock:
            seen[got.headers["webhook-id"]] = seen.get(got.headers["webhook-id"], 0) + 1
            return reply if seen[got.headers["webhook-id"]] <= times else Reply()

    return behave


def test_every_event_survives_a_receiver_outage_with_the_same_id_on_every_retry(
    client: httpx.Client, receiver: Receiver
) -> None:
    receiver.behave = failing_first(2, Reply(status=500, body=b"down for maintenance"))
    hook = create_webhook(client, receiver.url, ["task.created"])
    tasks = {create_task(client, title=f"t{n}")["id"] for n in range(5)}
    got = receiver.wait_for(lambda r: len(r) == 15)
    messages = by_message(got)
    assert len(messages) == 5
    assert all(len(tries) == 3 for tries in messages.values())
    assert all(r.verifies_with(hook["secret"]) for r in got)
    assert {tries[0].payload["data"]["task_id"] for tries in messages.values()} == tasks
    done = eventually(lambda: len(deliveries(client, hook["id"], status="delivered")) == 5 or None)
    assert done
    log = deliveries(client, hook["id"])[0]["attempt_log"]
    assert [a["status_code"] for a in log] == [500, 500, 200]
    assert log[0]["response_body"] == "down for maintenance"


def test_a_timed_out_attempt_is_retried(client: httpx.Client, receiver: Receiver) -> None:
    receiver.behave = failing_first(1, Reply(delay=2.5))
    hook = create_webhook(client, receiver.url, ["task.created"])
    create_task(client, title="slow")
    got = receiver.wait_for(lambda r: len(r) == 2)
    assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    (done,) = eventually(lambda: deliveries(client, hook["id"], status="delivered"))
    assert done["attempt_log"][0]["error"].startswith("Timed out")
    assert done["attempt_log"][1]["status_code"] == 200


def test_429_with_retry_after_is_honoured(client: httpx.Client, receiver: Receiver) -> None:
    receiver.behave = failing_first(1, Reply(status=429, headers=(("Retry-After", "2"),)))
    create_webhook(client, receiver.url, ["task.created"])
    create_task(client, title="throttled")
    first, second = receiver.wait_for(lambda r: len(r) == 2)
    assert second.at - first.at >= 1.9


def test_410_gone_disables_the_endpoint(client: httpx.Client, receiver: Receiver) -> None:
    receiver.behave = lambda _: Reply(status=410)
    hook = create_webhook(client, receiver.url, ["task.created"])
    create_task(client, title="to nowhere")
    receiver.wait_for(lambda r: len(r) == 1)
    view = eventually(
        lambda: (
            (v := client.get(f"/v1/webhooks/{hook['id']}").json()["data"])["status"] == "disabled"
            and v
        )
    )
    assert "410" in view["disabled_reason"]
    create_task(client, title="after")
    (failed,) = deliveries(client, hook["id"])
    assert failed["status"] == "failed"
    enabled = client.put(f"/v1/webhooks/{hook['id']}", json={"status": "active"})
    assert enabled.json()["data"]["status"] == "active"


def test_a_redirect_is_not_followed(client: httpx.Client, receiver: Receiver) -> None:
    with Receiver() as elsewhere:
        location = (("Location", elsewhere.url),)
        receiver.behave = failing_first(1, Reply(status=307, headers=location))
        create_webhook(client, receiver.url, ["task.created"])
        create_task(client, title="redirected")
        receiver.wait_for(lambda r: len(r) == 2)
        assert elsewhere.snapshot() == []


def test_a_slow_endpoint_never_delays_the_others(client: httpx.Client, receiver: Receiver) -> None:
    with Receiver() as stalled:
        stalled.behave = lambda _: Reply(delay=3)
        create_webhook(client, stalled.url, ["task.created"])
        create_webhook(client, receiver.url, ["task.created"])
        for n in range(3):
            create_task(client, title=f"t{n}")
        receiver.wait_for(lambda r: len(r) == 3)
        assert len(stalled.snapshot()) <= 2  # it is still on its first or second attempt


def test_an_endpoint_gets_at_most_its_rate_per_minute(
    settings: Settings, receiver: Receiver
) -> None:
    tuned = msgspec.structs.replace(settings, webhook_rate_per_minute=3)
    with Kyros(tuned) as kyros, LiveServer(kyros) as url:
        key = make_api_key(kyros, "admin").key
        with http_client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
            hook = create_webhook(client, receiver.url, ["task.created"])
            for n in range(5):
                create_task(client, title=f"t{n}")
            receiver.wait_for(lambda r: len(r) == 3)
            waiting = eventually(
                lambda: [d for d in deliveries(client, hook["id"], status="pending")] or None
            )
            assert len(waiting) == 2
            assert all(d["attempts"] == 0 for d in waiting)
            assert len(receiver.snapshot()) == 3
