"""The audit routes over a real socket: an auditor key reads the key, the checkpoints the
chaining worker signs, and a verification that finds a raw-SQL edit; checkpoints also leave
as signed `audit.checkpoint` webhooks."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyros.audit.checkpoints import signed_bytes
from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.audit.tamper import flip_byte
from tests.builders.commands import make_api_key
from tests.builders.http import create_task, create_webhook
from tests.fanout.conftest import FAST
from tests.fanout.helpers import eventually
from tests.fanout.receiver import Receiver
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores  # the chaining worker's lease and SQL on each store


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, audit_checkpoint_events=3, **FAST)


@pytest.fixture
def auditor(kyros: Kyros, base_url: str) -> Iterator[httpx.Client]:
    key = make_api_key(kyros, "auditor", name="auditor").key
    headers = {"Authorization": f"Bearer {key}"}
    with http_client(base_url=base_url, timeout=30, headers=headers) as http:
        yield http


def data(answer: httpx.Response) -> dict:
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def public_key(auditor: httpx.Client) -> Ed25519PublicKey:
    raw = base64.b64decode(data(auditor.get("/v1/audit/public-key"))["public_key"])
    return Ed25519PublicKey.from_public_bytes(raw)


def test_an_auditor_reads_signed_checkpoints_that_verify_with_the_public_key(
    client: httpx.Client, auditor: httpx.Client
) -> None:
    for n in range(7):
        create_task(client, title=f"audited {n}")

    page = eventually(lambda: data(auditor.get("/v1/audit/checkpoints?limit=1")))
    newest = page["checkpoints"][0]
    key = public_key(auditor)

    key.verify(base64.b64decode(newest["signature"]), signed_bytes(**_signed(newest)))
    assert page["pagination"]["has_more"] == (page["pagination"]["total"] > 1)
    report = data(auditor.get("/v1/audit/verify"))
    assert report["ok"] is True and report["problem"] is None
    assert report["checkpoints"] >= 1


def test_verify_over_http_names_the_first_bad_position(
    kyros: Kyros, client: httpx.Client, auditor: httpx.Client
) -> None:
    for n in range(4):
        create_task(client, title=f"audited {n}")
    eventually(lambda: data(auditor.get("/v1/audit/verify"))["chain_head"] >= 4)

    flip_byte(kyros, 2)
    report = data(auditor.get("/v1/audit/verify"))

    assert report["ok"] is False
    assert (report["problem"]["position"], report["problem"]["kind"]) == (2, "altered")


def test_a_checkpoint_leaves_as_a_signed_webhook_a_receiver_can_verify(
    client: httpx.Client, auditor: httpx.Client
) -> None:
    with Receiver() as receiver:
        create_webhook(client, receiver.url, ["audit.checkpoint"])
        for n in range(4):
            create_task(client, title=f"audited {n}")

        got = eventually(receiver.snapshot)[0].payload

    assert got["type"] == "audit.checkpoint"
    checkpoint = got["data"]
    key = public_key(auditor)
    assert checkpoint["public_key"] == data(auditor.get("/v1/audit/public-key"))["public_key"]
    key.verify(base64.b64decode(checkpoint["signature"]), signed_bytes(**_signed(checkpoint)))


def test_a_viewer_without_read_audit_is_refused(kyros: Kyros, base_url: str) -> None:
    key = make_api_key(kyros, "viewer", name="viewer").key
    with http_client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as http:
        answer = http.get("/v1/audit/verify")
    assert answer.status_code == 403


def test_an_out_of_range_page_size_is_a_422_naming_the_field(auditor: httpx.Client) -> None:
    answer = auditor.get("/v1/audit/checkpoints?limit=100000")
    assert answer.status_code == 422
    assert "limit" in answer.text


def _signed(checkpoint: dict) -> dict:
    names = ("sequence", "position", "link", "created_at", "key_id")
    return {name: checkpoint[name] for name in names}


def test_health_shows_the_chains_head_and_its_lag(client: httpx.Client) -> None:
    for n in range(3):
        create_task(client, title=f"audited {n}")

    def caught_up() -> dict | None:
        chain = data(client.get("/v1/monitoring/health"))["services"]["audit_chain"]
        return chain if chain["lag"] == 0 and chain["chain_head"] >= 3 else None

    chain = eventually(caught_up)
    assert (chain["status"], chain["state"]) == ("healthy", "running")
