"""The Webhook aggregate: an endpoint, the event types it wants, and its signing secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyros.domain.errors import DomainError, InvalidState, NotFound
from kyros.ids import public_id

# Every type an endpoint may subscribe to; `webhook.test` is only sent by a test request.
WEBHOOK_EVENT_TYPES = (
    "task.created",
    "task.updated",
    "task.submitted",
    "task.dependencies_met",
    "task.requeued",
    "task.started",
    "task.progress",
    "task.completed",
    "task.failed",
    "task.cancelled",
    "escalation.requested",
    "escalation.approved",
    "escalation.rejected",
    "escalation.expired",
    "escalation.withdrawn",
    "escalation.completed",
    "alert.raised",
    "alert.acknowledged",
    "alert.resolved",
    "audit.checkpoint",  # no domain event: the audit chain queues it (kyros/audit/chainer.py)
    # Who changed what (kyros/fanout/changes.py): each change's public event type.
    "configuration.updated",
    "agent_role.updated",
    "budget.created",
    "budget.updated",
    "budget.deleted",
    "webhook.created",
    "webhook.updated",
    "webhook.secret_rotated",
    "webhook.disabled",
    "webhook.deleted",
    "user.created",
    "user.role_granted",
    "user.role_revoked",
    "user.password_changed",
    "user.disabled",
    "user.enabled",
    "user.unlocked",
    "user.external_identity_linked",
)
TEST_EVENT_TYPE = "webhook.test"
SETTABLE_STATUSES = ("active", "paused")
EDITABLE_FIELDS = ("url", "events", "description", "status")


class WebhookNotFound(NotFound):
    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"Webhook {webhook_id} does not exist", field="webhook_id")


class DeliveryNotFound(NotFound):
    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"Delivery {delivery_id} does not exist", field="delivery_id")


def check_events(events: list[str]) -> None:
    if not events:
        raise DomainError("Must name at least one event type", field="events")
    for name in events:
        if name not in WEBHOOK_EVENT_TYPES:
            raise DomainError(f"Must be one of: {', '.join(WEBHOOK_EVENT_TYPES)}", field="events")


class Webhook(Aggregate):
    """Secrets arrive sealed (encrypted by the caller): the log never holds a plaintext secret."""

    @staticmethod
    def create_id(webhook_id: UUID) -> UUID:
        return webhook_id

    @event("Created")
    def __init__(
        self,
        *,
        webhook_id: UUID,
        url: str,
        events: list[str],
        description: str,
        sealed_secret: str,
        actor: str,
    ) -> None:
        self.url = url
        self.events = events
        self.description = description
        self.status = "active"
        self.sealed_secret = sealed_secret
        self.deleted = False

    def update(self, fields: dict[str, Any], *, actor: str) -> None:
        """Records only what changes; `status` may move between active and paused, and a
        disabled endpoint (its receiver answered 410 Gone) is re-enabled by setting active."""
        self.check_exists()
        if "events" in fields:
            check_events(fields["events"])
        if fields.get("status") not in (None, *SETTABLE_STATUSES):
            raise DomainError(f"Must be one of: {', '.join(SETTABLE_STATUSES)}", field="status")
        changes = {
            name: {"old": getattr(self, name), "new": value}
            for name, value in fields.items()
            if name in EDITABLE_FIELDS and getattr(self, name) != value
        }
        if changes:
            self._updated(changes=changes, actor=actor)

    @event("Updated")
    def _updated(self, changes: dict[str, dict[str, Any]], actor: str) -> None:
        for name, change in changes.items():
            setattr(self, name, change["new"])

    def rotate_secret(
        self, *, sealed_secret: str, previous_expires_at: datetime, actor: str
    ) -> None:
        """The old secret keeps signing, beside the new one, until `previous_expires_at`."""
        self.check_exists()
        self._secret_rotated(
            sealed_secret=sealed_secret,
            previous_sealed_secret=self.sealed_secret,
            previous_expires_at=previous_expires_at,
            actor=actor,
        )

    @event("SecretRotated")
    def _secret_rotated(
        self,
        sealed_secret: str,
        previous_sealed_secret: str,
        previous_expires_at: datetime,
        actor: str,
    ) -> None:
        self.sealed_secret = sealed_secret

    def disable(self, *, reason: str, actor: str) -> None:
        """Idempotent: the dispatcher may report the same 410 more than once."""
        if not self.deleted and self.status != "disabled":
            self._disabled(reason=reason, actor=actor)

    @event("Disabled")
    def _disabled(self, reason: str, actor: str) -> None:
        self.status = "disabled"

    def delete(self, *, actor: str) -> None:
        self.check_exists()
        self._deleted(actor=actor)

    @event("Deleted")
    def _deleted(self, actor: str) -> None:
        self.deleted = True

    def request_test(self, *, delivery_id: str, actor: str) -> None:
        self.check_exists()
        if self.status != "active":
            raise InvalidState(f"A {self.status} webhook cannot be tested", field="status")
        self._test_requested(delivery_id=delivery_id, actor=actor)

    @event("TestRequested")
    def _test_requested(self, delivery_id: str, actor: str) -> None:
        pass

    def request_redelivery(self, *, delivery_id: str, redelivery_id: str, actor: str) -> None:
        """A new attempt series for a past delivery, with the same message id (webhook-id)."""
        self.check_exists()
        self._redelivery_requested(
            delivery_id=delivery_id, redelivery_id=redelivery_id, actor=actor
        )

    @event("RedeliveryRequested")
    def _redelivery_requested(self, delivery_id: str, redelivery_id: str, actor: str) -> None:
        pass

    def check_exists(self) -> None:
        if self.deleted:
            raise WebhookNotFound(self.public_id)

    @property
    def public_id(self) -> str:
        return public_id("webhook", self.id)
