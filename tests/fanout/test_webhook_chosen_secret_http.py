"""A caller-chosen webhook secret, as in the spec's example, signs deliveries that receivers verify
with the documented recipe: the HMAC key is the secret's UTF-8 bytes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.builders.http import create_webhook
from tests.e2e.helpers import assert_error
from tests.fanout.receiver import Receiver

SPEC_SECRET = "your_webhook_secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_the_spec_example_secret_is_accepted_and_returned_once(
    client: httpx.Client, receiver: Receiver
) -> None:
    made = create_webhook(client, receiver.url, ["task.created"], secret=SPEC_SECRET)
    assert made["secret"] == SPEC_SECRET
    for later in (client.get(f"/v1/webhooks/{made['id']}"), client.get("/v1/webhooks")):
        assert later.status_code == 200
        assert SPEC_SECRET not in later.text


def test_a_delivery_signed_with_a_chosen_secret_verifies_with_its_utf8_bytes(
    client: httpx.Client, receiver: Receiver
) -> None:
    chosen = "pässwörd-for-the-hooks-✓"
    made = create_webhook(client, receiver.url, ["task.created"], secret=chosen)
    assert client.post(f"/v1/webhooks/{made['id']}/test").status_code == 202
    (got,) = receiver.wait_for(lambda r: len(r) == 1)
    assert got.verifies_with(chosen.encode("utf-8"))
    assert not got.verifies_with(b"another-chosen-secret-value")


def test_rotating_to_a_chosen_secret_signs_with_it(
    client: httpx.Client, receiver: Receiver
) -> None:
    made = create_webhook(client, receiver.url, ["task.created"])
    rotated = client.post(
        f"/v1/webhooks/{made['id']}/rotate-secret",
        json={"secret": SPEC_SECRET, "overlap_seconds": 0},
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["data"]["secret"] == SPEC_SECRET
    assert client.post(f"/v1/webhooks/{made['id']}/test").status_code == 202
    (got,) = receiver.wait_for(lambda r: len(r) == 1)
    assert got.verifies_with(SPEC_SECRET.encode())
    assert not got.verifies_with(made["secret"])


@pytest.mark.parametrize(
    "secret",
    [
        "fifteen-chars!!",  # one short of the minimum
        "x" * 201,
        "sixteen\x00chars-with-nul",
        "whsec_not base64 at all!",
    ],
)
def test_a_short_long_control_or_malformed_whsec_secret_is_refused(
    client: httpx.Client, receiver: Receiver, secret: str
) -> None:
    body = {"url": receiver.url, "events": ["task.created"], "secret": secret}
    assert_error(client.post("/v1/webhooks", json=body), 422, "VALIDATION_ERROR", field="secret")
    assert client.get("/v1/webhooks").json()["data"]["webhooks"] == []
