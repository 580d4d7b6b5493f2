"""No secret leaves through the events API: hashes, digests, sealed secrets and tokens."""

from __future__ import annotations

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.domain.event_catalogue import BY_QUALNAME
from kyros.settings import Settings
from tests.builders.commands import PASSWORD
from tests.e2e.auth_helpers import tokens
from tests.e2e.events_helpers import all_pages, streamed

# The log is read with each store's own SQL (its table, position column and id spelling).
pytestmark = pytest.mark.both_stores


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, webhook_allowed_networks=("127.0.0.0/8",))


def _stored_secrets(kyros: Kyros) -> set[str]:
    """Every value the log holds in a field the catalogue redacts, read from the store."""
    found: set[str] = set()
    for notification in kyros.app.recorder.select_notifications(start=1, limit=100_000):
        event = kyros.app.mapper.to_domain_event(notification)
        described = BY_QUALNAME.get(type(event).__qualname__)
        for name in described.redacted if described else ():
            value = getattr(event, name, None)
            if value:
                found.add(str(value))
    return found


def _secrets_made_over_http(client: httpx.Client, anonymous: httpx.Client) -> set[str]:
    made: set[str] = {PASSWORD}
    user = client.post("/v1/users", json={"username": "erin", "password": PASSWORD})
    assert user.status_code == 201, user.text
    key = client.post("/v1/api-keys", json={"name": "ci", "role": "viewer"}).json()["data"]
    made.add(key["key"])
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["task.created"]}
    webhook = client.post("/v1/webhooks", json=hook, headers={"Idempotency-Key": "k1"})
    made.add(webhook.json()["data"]["secret"])
    rotated = client.post(f"/v1/webhooks/{webhook.json()['data']['id']}/rotate-secret")
    made.add(rotated.json()["data"]["secret"])
    session = tokens(anonymous, "erin")
    made |= {session["access_token"], session["refresh_token"]}
    refreshed = anonymous.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    made |= {refreshed.json()["data"]["access_token"], refreshed.json()["data"]["refresh_token"]}
    anonymous.post("/v1/auth/login", json={"username": "erin", "password": "wrong-password"})
    return made


def test_no_secret_in_the_log_ever_leaves_through_the_events_api(
    kyros: Kyros, client: httpx.Client, anonymous: httpx.Client
) -> None:
    made = _secrets_made_over_http(client, anonymous)
    stored = _stored_secrets(kyros)
    assert any(s.startswith("$argon2") for s in stored)  # the walk really found the hashes
    types = {e["type"] for e in streamed(client)}
    assert {
        "user.created",
        "api_key.created",
        "webhook.secret_rotated",
        "session.refreshed",
    } <= types
    answers = [
        client.get("/v1/events", headers={"Accept": "application/x-ndjson"}).text,
        str(all_pages(client, limit=3)),
        *(
            client.get(f"/v1/users/{e['entity']['id']}/history").text
            for e in all_pages(client, type="user.created")
        ),
        *(
            client.get(f"/v1/webhooks/{e['entity']['id']}/history").text
            for e in all_pages(client, type="webhook.created")
        ),
    ]
    for text in answers:
        for secret in made | stored:
            assert secret not in text, secret[:12]
        assert "password_hash" not in text and "key_hash" not in text
