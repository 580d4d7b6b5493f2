"""`kyros_client.webhooks.verify` on real deliveries from the server to a loopback receiver."""

from __future__ import annotations

import msgspec
import pytest
from kyros_client import Kyros, webhooks

from kyros.settings import Settings
from tests.fanout.conftest import FAST
from tests.fanout.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, **FAST)


@pytest.mark.parametrize("secret", [None, "a secret of my own choosing"], ids=["whsec", "chosen"])
def test_real_deliveries_verify_and_an_altered_one_does_not(sdk: Kyros, secret: str | None) -> None:
    with Receiver() as receiver:
        hook = sdk.webhooks.create(
            url=receiver.url, events=["task.created"], **({"secret": secret} if secret else {})
        )
        task = sdk.tasks.create(title="signed")
        got = receiver.wait_for(lambda r: len(r) >= 1)[0]
    event = webhooks.verify(got.body, got.headers, hook.secret)
    assert event.type == "task.created" and event.data["task_id"] == task.id
    assert event.id == got.headers["webhook-id"] and event.position
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(got.body.replace(b"signed", b"forged"), got.headers, hook.secret)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(got.body, got.headers, "whsec_" + "A" * 44)
    stale = int(got.headers["webhook-timestamp"]) + 3600
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(got.body, got.headers, hook.secret, now=stale)
