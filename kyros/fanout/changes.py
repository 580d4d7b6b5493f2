"""Who changed what: configuration, agent-role, budget, webhook and user changes, published.

Each change goes out as the event itself, exactly as `GET /v1/events` shows it (its public
type, entity, version, `actor`, `recorded_at` and redacted `data`), so a subscriber, a webhook
receiver and an auditor reading the log see one shape, and the catalogue's redactions (webhook
secrets, password hashes) hold on every path. The webhook type is the event's public name.
"""

from __future__ import annotations

from typing import Any

from kyros.domain.event_catalogue import BY_QUALNAME
from kyros.domain.event_view import public_view

# WebSocket change types, and the permission each needs: the one that reads the entity over REST.
CHANGE_WS_TYPES: dict[str, str] = {
    "configuration_changed": "read_configuration",
    "budget_changed": "read_costs",
    "webhook_changed": "manage_webhooks",
    "user_changed": "manage_users",
}

# Domain event -> its WebSocket change type. Not here: the `Initialised` events (the defaults a
# first change starts from, saved with it), test and redelivery requests (no change), and
# sign-in activity (failed logins, lockouts, logins), which the events API shows.
CHANGES: dict[str, str] = {
    "Configuration.Changed": "configuration_changed",
    "AgentRole.Changed": "configuration_changed",
    "BudgetBook.Defined": "budget_changed",
    "BudgetBook.Changed": "budget_changed",
    "BudgetBook.Removed": "budget_changed",
    "Webhook.Created": "webhook_changed",
    "Webhook.Updated": "webhook_changed",
    "Webhook.SecretRotated": "webhook_changed",
    "Webhook.Disabled": "webhook_changed",
    "Webhook.Deleted": "webhook_changed",
    "User.Created": "user_changed",
    "User.RoleGranted": "user_changed",
    "User.RoleRevoked": "user_changed",
    "User.PasswordChanged": "user_changed",
    "User.Disabled": "user_changed",
    "User.Enabled": "user_changed",
    "User.Unlocked": "user_changed",
    "User.ExternalIdentityLinked": "user_changed",
}


def hook_type(qualname: str) -> str:
    """The webhook type of a change: its public event type (`configuration.updated`, …)."""
    return BY_QUALNAME[qualname].name


def change_data(event: Any) -> dict[str, Any]:
    """The event as the events API shows it; its log position is the message's own."""
    view = public_view(0, event, BY_QUALNAME[type(event).__qualname__])
    del view["position"]
    return view
