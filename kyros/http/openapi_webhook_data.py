"""OpenAPI answer shapes of webhooks and their deliveries."""

from __future__ import annotations

from msgspec import Struct

from kyros.http.openapi_common_data import Pagination


class Webhook(Struct):
    id: str
    url: str
    events: list[str]
    description: str | None
    status: str
    disabled_reason: str | None
    created_by: str
    created_at: str
    updated_at: str
    last_triggered: str | None
    secret_rotated_at: str | None
    previous_secret_expires_at: str | None


class WebhookWithSecret(Webhook):
    secret: str  # shown once


class WebhookList(Struct):
    webhooks: list[Webhook]


class DeliveryAttempt(Struct):
    attempt: int
    started_at: str
    status_code: int | None
    latency_ms: int
    error: str | None
    response_body: str | None
    response_truncated: bool


class Delivery(Struct):
    """`next_attempt_at` only while pending; `redelivery_of` names the delivery it repeats."""

    id: str
    webhook_id: str
    message_id: str
    event_type: str
    position: int
    status: str
    attempts: int
    created_at: str
    next_attempt_at: str | None
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    completed_at: str | None
    redelivery_of: str | None
    requested_by: str | None
    attempt_log: list[DeliveryAttempt]


class DeliveryPage(Struct):
    deliveries: list[Delivery]
    pagination: Pagination
