"""The public event catalogue: each domain event's stable type name, entity kind and redactions.

The log stores an event by its topic (`module:Class`), which is an implementation detail;
auditors read events by these names instead, and these names never change once released.
Every event class has a row, with an explicit redaction decision (`()`: nothing secret), so
a new event cannot reach the events API without someone deciding what of it may leave.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from kyros.domain.agent import Agent
from kyros.domain.agent_role import AgentRole
from kyros.domain.alert import Alert
from kyros.domain.api_key import ApiKey
from kyros.domain.budget import BudgetBook
from kyros.domain.budget_ledger import BudgetLedger
from kyros.domain.configuration import Configuration
from kyros.domain.escalation import Escalation, EscalationDay
from kyros.domain.event_schemas import data_schema
from kyros.domain.external_identity import ExternalAccount
from kyros.domain.idempotency import IdempotencyRecord
from kyros.domain.task import Task
from kyros.domain.token_family import TokenFamily
from kyros.domain.user import User, Username
from kyros.domain.webhook import Webhook

# The fields every event has, which the public view carries outside `data`.
ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
)
AGGREGATES: tuple[type, ...] = (
    Task,
    Escalation,
    EscalationDay,
    BudgetBook,
    BudgetLedger,
    Configuration,
    AgentRole,
    Agent,
    Alert,
    Webhook,
    User,
    Username,
    ApiKey,
    TokenFamily,
    ExternalAccount,
    IdempotencyRecord,
)
# Entity kind of each aggregate's events (BudgetBook's definitions are about one budget).
KINDS: Mapping[type, str] = {
    Task: "task",
    Escalation: "escalation",
    EscalationDay: "escalation_day",
    BudgetBook: "budget",
    BudgetLedger: "budget_ledger",
    Configuration: "configuration",
    AgentRole: "agent_role",
    Agent: "agent",
    Alert: "alert",
    Webhook: "webhook",
    User: "user",
    Username: "username",
    ApiKey: "api_key",
    TokenFamily: "session",
    ExternalAccount: "external_account",
    IdempotencyRecord: "idempotency_key",
}
_TOKENS = ("token_id", "previous_token_id")
_SECRETS = ("sealed_secret", "previous_sealed_secret")

# qualname -> (public type name, fields redacted from its data). Never rename a type.
_ROWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Task.Created": ("task.created", ()),
    "Task.Updated": ("task.updated", ()),
    "Task.Submitted": ("task.submitted", ()),
    "Task.DependenciesMet": ("task.dependencies_met", ()),
    "Task.EscalationRequested": ("task.escalation_requested", ()),
    "Task.EscalationResolved": ("task.escalation_resolved", ()),
    "Task.CostReserved": ("task.cost_reserved", ()),
    "Task.ReservationClosed": ("task.reservation_closed", ()),
    "Task.Requeued": ("task.requeued", ()),
    "Task.Assigned": ("task.assigned", ()),
    "Task.ProgressReported": ("task.progress_reported", ()),
    "Task.Completed": ("task.completed", ()),
    "Task.Failed": ("task.failed", ()),
    "Task.Cancelled": ("task.cancelled", ()),
    "Escalation.Submitted": ("escalation.requested", ()),
    "Escalation.HeldForApproval": ("escalation.held_for_approval", ()),
    "Escalation.AutoApproved": ("escalation.auto_approved", ()),
    "Escalation.Approved": ("escalation.approved", ()),
    "Escalation.Rejected": ("escalation.rejected", ()),
    "Escalation.Expired": ("escalation.expired", ()),
    "Escalation.FlaggedOverdue": ("escalation.flagged_overdue", ()),
    "Escalation.Withdrawn": ("escalation.withdrawn", ()),
    "Escalation.Completed": ("escalation.completed", ()),
    "EscalationDay.Opened": ("escalation_day.opened", ()),
    "EscalationDay.Counted": ("escalation_day.counted", ()),
    "BudgetBook.Opened": ("budget_book.opened", ()),
    "BudgetBook.Defined": ("budget.created", ()),
    "BudgetBook.Changed": ("budget.updated", ()),
    "BudgetBook.Removed": ("budget.deleted", ()),
    "BudgetLedger.Opened": ("budget.period_opened", ()),
    "BudgetLedger.Reserved": ("budget.reserved", ()),
    "BudgetLedger.Settled": ("budget.settled", ()),
    "BudgetLedger.Released": ("budget.released", ()),
    "BudgetLedger.Crossed": ("budget.threshold_crossed", ()),
    "Configuration.Initialised": ("configuration.initialised", ()),
    "Configuration.Changed": ("configuration.updated", ()),
    "AgentRole.Initialised": ("agent_role.initialised", ()),
    "AgentRole.Changed": ("agent_role.updated", ()),
    "Agent.Registered": ("agent.registered", ()),
    "Agent.HeartbeatReceived": ("agent.heartbeat_received", ()),
    "Agent.WorkClaimed": ("agent.work_claimed", ()),
    "Agent.WorkReleased": ("agent.work_released", ()),
    "Alert.Raised": ("alert.raised", ()),
    "Alert.Acknowledged": ("alert.acknowledged", ()),
    "Alert.Resolved": ("alert.resolved", ()),
    "Webhook.Created": ("webhook.created", ("sealed_secret",)),
    "Webhook.Updated": ("webhook.updated", ()),
    "Webhook.SecretRotated": ("webhook.secret_rotated", _SECRETS),
    "Webhook.Disabled": ("webhook.disabled", ()),
    "Webhook.Deleted": ("webhook.deleted", ()),
    "Webhook.TestRequested": ("webhook.test_requested", ()),
    "Webhook.RedeliveryRequested": ("webhook.redelivery_requested", ()),
    "User.Created": ("user.created", ("password_hash",)),
    "User.RoleGranted": ("user.role_granted", ()),
    "User.RoleRevoked": ("user.role_revoked", ()),
    "User.PasswordChanged": ("user.password_changed", ("password_hash",)),
    "User.Disabled": ("user.disabled", ()),
    "User.Enabled": ("user.enabled", ()),
    "User.Unlocked": ("user.unlocked", ()),
    "User.LoginFailed": ("user.login_failed", ()),
    "User.Locked": ("user.locked", ()),
    "User.LoggedIn": ("user.logged_in", ()),
    "User.ExternalIdentityLinked": ("user.external_identity_linked", ()),
    "Username.Claimed": ("username.claimed", ()),
    "ApiKey.Created": ("api_key.created", ("key_hash",)),
    "ApiKey.Revoked": ("api_key.revoked", ()),
    "TokenFamily.Started": ("session.started", ("token_id",)),
    "TokenFamily.Rotated": ("session.refreshed", _TOKENS),
    "TokenFamily.Revoked": ("session.revoked", ()),
    "ExternalAccount.Claimed": ("external_account.claimed", ()),
    # The answer body may hold what a request showed once (a key, a secret), sealed or not;
    # the fingerprint is a digest of the request.
    "IdempotencyRecord.Claimed": ("idempotency_key.claimed", ("fingerprint",)),
    "IdempotencyRecord.Reclaimed": ("idempotency_key.reclaimed", ("fingerprint",)),
    "IdempotencyRecord.Answered": ("idempotency_key.answered", ("body",)),
}


@dataclass(frozen=True)
class EventType:
    """One public event type: what the log calls it, what it is about, what it shows."""

    name: str
    qualname: str
    event_class: type
    kind: str
    redacted: tuple[str, ...]
    fields: tuple[str, ...]  # the public `data` fields, in declaration order

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def version(self) -> int:
        """The schema version: the event class's `class_version` (upcasters lead to it)."""
        return int(getattr(self.event_class, "class_version", 1))

    def schema(self) -> dict[str, Any]:
        return data_schema(self.event_class, self.fields, self.redacted)


def event_classes(aggregate: type) -> list[type]:
    """The event classes an aggregate really records: not its base `Event`, nor the generic
    `Created` an aggregate created by another event never uses."""
    found = []
    for name, value in vars(aggregate).items():
        if not isinstance(value, type) or not issubclass(value, aggregate.Event):  # type: ignore[attr-defined]
            continue
        own = [f.name for f in fields(value) if f.name not in ENVELOPE_FIELDS]
        if name == "Event" or (name == "Created" and not own and "actor" not in _names(value)):
            continue
        found.append(value)
    return found


def _names(event_class: type) -> set[str]:
    return {f.name for f in fields(event_class)}


def _build() -> dict[str, EventType]:
    catalogue: dict[str, EventType] = {}
    for aggregate in AGGREGATES:
        for event_class in event_classes(aggregate):
            qualname = event_class.__qualname__
            name, redacted = _ROWS[qualname]  # KeyError: a new event class needs a row
            kind = "budget_book" if qualname == "BudgetBook.Opened" else KINDS[aggregate]
            public = tuple(
                f.name
                for f in fields(event_class)
                if f.name not in ENVELOPE_FIELDS and f.name not in redacted
            )
            catalogue[qualname] = EventType(name, qualname, event_class, kind, redacted, public)
    return catalogue


BY_QUALNAME: dict[str, EventType] = _build()
BY_NAME: dict[str, EventType] = {t.name: t for t in BY_QUALNAME.values()}
FAMILIES: tuple[str, ...] = tuple(sorted({t.family for t in BY_QUALNAME.values()}))
ENTITY_KINDS: tuple[str, ...] = tuple(sorted({t.kind for t in BY_QUALNAME.values()}))
# What a `type` filter accepts: every name, and every family as `family.*`.
TYPE_PATTERNS: tuple[str, ...] = (*sorted(BY_NAME), *(f"{f}.*" for f in FAMILIES))


def types_matching(patterns: tuple[str, ...]) -> tuple[EventType, ...]:
    """The types named by `patterns`: exact names, or `family.*` for a whole family."""
    chosen: dict[str, EventType] = {}
    for pattern in patterns:
        family = pattern[:-2] if pattern.endswith(".*") else None
        for t in BY_NAME.values():
            if t.name == pattern or t.family == family:
                chosen[t.name] = t
    return tuple(chosen.values())


def is_type_pattern(pattern: str) -> bool:
    if pattern.endswith(".*"):
        return pattern[:-2] in FAMILIES
    return pattern in BY_NAME
