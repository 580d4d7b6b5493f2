"""GET /metrics counts webhook deliveries and attempts from the delivery tables."""

from __future__ import annotations

import httpx
import pytest

from tests.builders.http import create_task, create_webhook
from tests.fanout.helpers import eventually
from tests.fanout.receiver import Receiver, Reply
from tests.prometheus_scrape import Samples, scrape, value

pytestmark = pytest.mark.both_stores  # the outbox figures are read-model SQL


def test_deliveries_and_attempts_are_counted_by_outcome(client: httpx.Client) -> None:
    answers = iter([Reply(status=503), Reply()])  # the first attempt fails, the retry lands
    with Receiver() as receiver:
        receiver.behave = lambda _: next(answers, Reply())
        create_webhook(client, receiver.url, ["task.created"])
        create_task(client)

        def delivered() -> Samples | None:
            samples = scrape(client)
            return (
                samples if value(samples, "kyros_webhook_deliveries", status="delivered") else None
            )

        samples = eventually(delivered)
    assert value(samples, "kyros_webhook_deliveries", status="delivered") == 1
    assert value(samples, "kyros_webhook_deliveries", status="pending") == 0
    assert value(samples, "kyros_webhook_deliveries", status="failed") == 0
    assert value(samples, "kyros_webhook_delivery_attempts_total", result="failure") == 1
    assert value(samples, "kyros_webhook_delivery_attempts_total", result="success") == 1
