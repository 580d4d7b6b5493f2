"""Signatures follow Standard Webhooks: the reference library accepts them."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.exceptions import InvalidTag
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kyros.domain.errors import DomainError
from kyros.webhooks.signing import SecretBox, generate_secret, secret_key, signature_header


def test_a_signature_verifies_with_the_reference_library() -> None:
    secret = generate_secret()
    body = json.dumps({"type": "task.created", "data": {"task_id": "task_1"}}).encode()
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": signature_header([secret_key(secret)], "msg_1", now, body),
    }
    assert Webhook(secret).verify(body, headers)["type"] == "task.created"


def test_during_a_rotation_either_secret_verifies_and_a_stranger_does_not() -> None:
    old, new, stranger = generate_secret(), generate_secret(), generate_secret()
    body, now = b'{"type":"task.updated"}', int(time.time())
    signature = signature_header([secret_key(new), secret_key(old)], "msg_2", now, body)
    headers = {"webhook-id": "msg_2", "webhook-timestamp": str(now), "webhook-signature": signature}
    assert Webhook(old).verify(body, headers)
    assert Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(stranger).verify(body, headers)


@pytest.mark.parametrize(
    "secret",
    [
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"short").decode(),
        "whsec_" + base64.b64encode(b"x" * 65).decode(),
    ],
)
def test_a_whsec_secret_that_is_not_base64_of_24_to_64_bytes_is_refused(secret: str) -> None:
    with pytest.raises(DomainError) as refused:
        secret_key(secret)
    assert refused.value.field == "secret"


@pytest.mark.parametrize("secret", ["short-secret", "x" * 201, "tab\there-is-a-control"])
def test_a_chosen_secret_must_be_16_to_200_printable_characters(secret: str) -> None:
    with pytest.raises(DomainError) as refused:
        secret_key(secret)
    assert refused.value.field == "secret"


def test_a_chosen_secret_keys_the_hmac_with_its_utf8_bytes() -> None:
    secret = "your_webhook_secret"
    assert secret_key(secret) == secret.encode("utf-8")
    body, now = b'{"type":"task.created"}', int(time.time())
    signature = signature_header([secret_key(secret)], "msg_3", now, body)
    headers = {"webhook-id": "msg_3", "webhook-timestamp": str(now), "webhook-signature": signature}
    assert Webhook(secret.encode("utf-8")).verify(body, headers)


def test_sealed_secrets_open_only_with_the_same_master_key() -> None:
    box, other = SecretBox(b"m" * 48), SecretBox(b"n" * 48)
    sealed = box.seal("whsec_abc")
    assert "whsec_abc" not in sealed
    assert box.open(sealed) == "whsec_abc"
    assert "m" not in repr(box)
    with pytest.raises(InvalidTag):
        other.open(sealed)
