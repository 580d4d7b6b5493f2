"""The Webhooks API: /v1/webhooks, their deliveries, tests, redeliveries and secret rotation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import Parameter
from msgspec import UNSET
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands import webhooks as commands
from kyros.domain.errors import DomainError
from kyros.domain.webhook import DeliveryNotFound, WebhookNotFound, check_events
from kyros.http.as_of import AS_OF, AS_OF_POSITION, current_or_past
from kyros.http.auth import Principal, requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.idempotency import IDEMPOTENT, SEALED_ANSWER
from kyros.http.schemas.webhooks import SecretRotation, WebhookCreate, WebhookUpdate
from kyros.ids import public_id
from kyros.queries.webhooks import get_delivery, get_webhook, list_deliveries, list_webhooks
from kyros.timefmt import now
from kyros.timetravel.reads import webhook_at
from kyros.webhooks.egress import check_destination
from kyros.webhooks.signing import generate_secret, secret_key

Req = Request[Any, Any, Any]
_ONCE = "Store the secret now: it is not shown again"


class WebhookController(Controller):
    path = "/webhooks"
    opt = reads("webhooks", "webhook_outbox")
    tags = ["Webhooks"]
    guards = [requires("manage_webhooks")]

    @post("/", operation_id="CreateWebhook", status_code=201, opt=SEALED_ANSWER)
    async def create_webhook(
        self, request: Req, data: WebhookCreate, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """The response is the only place the secret appears; the log holds it sealed."""
        events = _events(data.events)
        await check_destination(kyros.webhooks.policy, data.url)
        secret = data.secret or generate_secret()
        secret_key(secret)
        webhook_id = ULID().to_uuid()
        command = commands.CreateWebhook(
            webhook_id=webhook_id,
            url=data.url,
            events=events,
            description=data.description,
            sealed_secret=kyros.webhook_secrets.seal(secret),
            actor=actor,
        )
        await kyros.execute(command)
        view = await _read(kyros, public_id("webhook", webhook_id))
        return ok(request, {**view, "secret": secret}, status=201, message=_ONCE)

    @get("/", operation_id="ListWebhooks")
    async def list_webhooks(self, request: Req, kyros: Kyros) -> Response[bytes]:
        return ok(request, {"webhooks": await in_thread(list_webhooks, kyros.db)})

    @get("/{webhook_id:str}", operation_id="GetWebhook")
    async def get_webhook(
        self,
        request: Req,
        webhook_id: str,
        kyros: Kyros,
        principal: Principal,
        as_of: str | None = AS_OF,
        as_of_position: int | None = AS_OF_POSITION,
    ) -> Response[bytes]:
        """As of a point, `last_triggered` is null: delivery attempts are the dispatcher's
        record, not the log's."""
        view = await current_or_past(
            kyros,
            principal,
            as_of,
            as_of_position,
            lambda: _read(kyros, webhook_id),
            webhook_at,
            webhook_id,
            missing=WebhookNotFound(webhook_id),
        )
        return ok(request, view)

    @put("/{webhook_id:str}", operation_id="UpdateWebhook")
    async def update_webhook(
        self, request: Req, webhook_id: str, data: WebhookUpdate, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        fields = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET}
        if not fields:
            raise DomainError("Must change at least one field", field="body")
        if "events" in fields:
            fields["events"] = _events(fields["events"])
        if "url" in fields:
            await check_destination(kyros.webhooks.policy, fields["url"])
        command = commands.UpdateWebhook(webhook_id=webhook_id, fields=fields, actor=actor)
        await kyros.execute(command)
        return ok(request, await _read(kyros, webhook_id))

    @delete("/{webhook_id:str}", operation_id="DeleteWebhook", status_code=200)
    async def delete_webhook(
        self, request: Req, webhook_id: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """Pending deliveries are cancelled; the delivery history stays in the outbox."""
        view = await _read(kyros, webhook_id)
        command = commands.DeleteWebhook(webhook_id=webhook_id, actor=actor)
        await kyros.execute(command)
        return ok(request, {**view, "status": "deleted"}, message="Webhook deleted")

    @post("/{webhook_id:str}/test", operation_id="TestWebhook", status_code=202, opt=IDEMPOTENT)
    async def test_webhook(
        self, request: Req, webhook_id: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """Queues a signed `webhook.test` delivery; its attempts appear in the deliveries."""
        delivery_id = f"dlv_{ULID()}"
        command = commands.RequestWebhookTest(
            webhook_id=webhook_id, delivery_id=delivery_id, actor=actor
        )
        await kyros.execute(command)
        delivery = await _delivery(kyros, webhook_id, delivery_id)
        return ok(request, delivery, status=202, message="Test delivery queued")

    @post("/{webhook_id:str}/rotate-secret", operation_id="RotateWebhookSecret", status_code=200)
    async def rotate_secret(
        self,
        request: Req,
        webhook_id: str,
        kyros: Kyros,
        actor: str,
        data: SecretRotation | None = None,
    ) -> Response[bytes]:
        """Both secrets sign every delivery until the old one expires (`overlap_seconds`)."""
        rotation = data or SecretRotation()
        secret = rotation.secret or generate_secret()
        secret_key(secret)
        command = commands.RotateWebhookSecret(
            webhook_id=webhook_id,
            sealed_secret=kyros.webhook_secrets.seal(secret),
            previous_expires_at=now() + timedelta(seconds=rotation.overlap_seconds),
            actor=actor,
        )
        await kyros.execute(command)
        view = await _read(kyros, webhook_id)
        return ok(request, {**view, "secret": secret}, message=_ONCE)

    @get("/{webhook_id:str}/deliveries", operation_id="ListWebhookDeliveries")
    async def list_deliveries(
        self,
        request: Req,
        webhook_id: str,
        kyros: Kyros,
        status: Literal["pending", "delivered", "failed", "cancelled"] | None = None,
        limit: int = Parameter(default=50, ge=1, le=200),
        offset: int = Parameter(default=0, ge=0, le=10_000_000),
    ) -> Response[bytes]:
        await _read(kyros, webhook_id)
        items, total = await in_thread(list_deliveries, kyros.db, webhook_id, status, limit, offset)
        more = offset + len(items) < total
        pagination = {"total": total, "limit": limit, "offset": offset, "has_more": more}
        return ok(request, {"deliveries": items, "pagination": pagination})

    @post(
        "/{webhook_id:str}/deliveries/{delivery_id:str}/redeliver",
        operation_id="RedeliverWebhookDelivery",
        status_code=202,
        opt=IDEMPOTENT,
    )
    async def redeliver(
        self, request: Req, webhook_id: str, delivery_id: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """A new delivery of the same message (same webhook-id), from attempt one."""
        await _delivery(kyros, webhook_id, delivery_id)
        redelivery_id = f"dlv_{ULID()}"
        command = commands.RedeliverWebhook(
            webhook_id=webhook_id,
            delivery_id=delivery_id,
            redelivery_id=redelivery_id,
            actor=actor,
        )
        await kyros.execute(command)
        delivery = await _delivery(kyros, webhook_id, redelivery_id)
        return ok(request, delivery, status=202, message="Redelivery queued")


def _events(events: list[str]) -> list[str]:
    unique = list(dict.fromkeys(events))
    check_events(unique)
    return unique


async def _read(kyros: Kyros, webhook_id: str) -> dict[str, Any]:
    webhook = await in_thread(get_webhook, kyros.db, webhook_id)
    if webhook is None:
        raise WebhookNotFound(webhook_id)
    return webhook


async def _delivery(kyros: Kyros, webhook_id: str, delivery_id: str) -> dict[str, Any]:
    await _read(kyros, webhook_id)
    delivery = await in_thread(get_delivery, kyros.db, webhook_id, delivery_id)
    if delivery is None:
        raise DeliveryNotFound(delivery_id)
    return delivery
