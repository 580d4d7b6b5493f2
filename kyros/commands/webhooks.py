"""Webhook commands: one handler per intent, each load → decide on the aggregate → save."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kyros.commands.loading import Lookup
from kyros.domain.webhook import Webhook, WebhookNotFound, check_events
from kyros.eventstore.application import KyrosApplication


class CreateWebhook(msgspec.Struct, frozen=True, kw_only=True):
    """Carries the secret sealed: the plaintext is shown to the caller once, never stored."""

    webhook_id: UUID
    url: str
    events: list[str]
    description: str
    sealed_secret: str
    actor: str


class UpdateWebhook(msgspec.Struct, frozen=True, kw_only=True):
    webhook_id: str
    fields: dict[str, Any]
    actor: str


class RotateWebhookSecret(msgspec.Struct, frozen=True, kw_only=True):
    webhook_id: str
    sealed_secret: str
    previous_expires_at: datetime
    actor: str


class DisableWebhook(msgspec.Struct, frozen=True, kw_only=True):
    webhook_id: str
    reason: str
    actor: str


class DeleteWebhook(msgspec.Struct, frozen=True, kw_only=True):
    webhook_id: str
    actor: str


class RequestWebhookTest(msgspec.Struct, frozen=True, kw_only=True):
    webhook_id: str
    delivery_id: str
    actor: str


class RedeliverWebhook(msgspec.Struct, frozen=True, kw_only=True):
    webhook_id: str
    delivery_id: str
    redelivery_id: str
    actor: str


WEBHOOKS: Lookup[Webhook] = Lookup("webhook", WebhookNotFound)


def load_webhook(app: KyrosApplication, webhook_id: str) -> Webhook:
    webhook = WEBHOOKS.load(app, webhook_id)
    webhook.check_exists()
    return webhook


def create_webhook(app: KyrosApplication, cmd: CreateWebhook) -> int:
    check_events(cmd.events)
    return app.save_all(Webhook(**msgspec.structs.asdict(cmd)))


def update_webhook(app: KyrosApplication, cmd: UpdateWebhook) -> int:
    webhook = load_webhook(app, cmd.webhook_id)
    webhook.update(cmd.fields, actor=cmd.actor)
    return app.save_all(webhook)


def rotate_webhook_secret(app: KyrosApplication, cmd: RotateWebhookSecret) -> int:
    webhook = load_webhook(app, cmd.webhook_id)
    webhook.rotate_secret(
        sealed_secret=cmd.sealed_secret,
        previous_expires_at=cmd.previous_expires_at,
        actor=cmd.actor,
    )
    return app.save_all(webhook)


def disable_webhook(app: KyrosApplication, cmd: DisableWebhook) -> int:
    webhook = load_webhook(app, cmd.webhook_id)
    webhook.disable(reason=cmd.reason, actor=cmd.actor)
    return app.save_all(webhook)


def delete_webhook(app: KyrosApplication, cmd: DeleteWebhook) -> int:
    webhook = load_webhook(app, cmd.webhook_id)
    webhook.delete(actor=cmd.actor)
    return app.save_all(webhook)


def request_webhook_test(app: KyrosApplication, cmd: RequestWebhookTest) -> int:
    webhook = load_webhook(app, cmd.webhook_id)
    webhook.request_test(delivery_id=cmd.delivery_id, actor=cmd.actor)
    return app.save_all(webhook)


def redeliver_webhook(app: KyrosApplication, cmd: RedeliverWebhook) -> int:
    """The caller has checked that the delivery exists and belongs to this webhook."""
    webhook = load_webhook(app, cmd.webhook_id)
    webhook.request_redelivery(
        delivery_id=cmd.delivery_id, redelivery_id=cmd.redelivery_id, actor=cmd.actor
    )
    return app.save_all(webhook)
