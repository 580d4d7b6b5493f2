"""Entities made through the command layer, for integration tests and for the identities
that end-to-end tests act as. Each returns what a test refers to the entity by."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.agents import RegisterAgent, register_agent
from kyros.commands.api_keys import CreateApiKey, create_api_key
from kyros.commands.budgets import DefineBudget, define_budget
from kyros.commands.escalations import SubmitEscalation, submit_escalation
from kyros.commands.tasks import CreateTask, create_task
from kyros.commands.users import CreateUser, create_user
from kyros.commands.webhooks import CreateWebhook, create_webhook
from kyros.eventstore.application import KyrosApplication
from kyros.identity.api_keys import generate_api_key
from kyros.ids import new_id, public_id
from kyros.webhooks.signing import generate_secret

PASSWORD = "correct horse battery"


def make_task(app: KyrosApplication, **overrides: Any) -> str:
    """A pending task with nothing but a title, created by user_1; its public id."""
    fields: dict[str, Any] = {
        "task_id": ULID().to_uuid(),
        "actor": "user_1",
        "title": "A task",
        "description": "",
        "task_type": "implementation",
        "priority": "medium",
        "assignee_role": None,
        "files_to_modify": [],
        "acceptance_criteria": [],
        "dependencies": [],
        "tags": [],
        "deadline": None,
        "metadata": {},
        **overrides,
    }
    create_task(app, CreateTask(**fields))
    return public_id("task", fields["task_id"])


def make_agent(
    app: KyrosApplication,
    role: str = "implementer",
    capacity: int = 2,
    at: datetime | None = None,
    actor: str = "key_a",
) -> str:
    """An agent registered `at` (now when None) by the key `actor`; its public id."""
    agent_id = ULID().to_uuid()
    command = RegisterAgent(
        agent_id=agent_id,
        role=role,
        capacity=capacity,
        name="w",
        at=at or datetime.now(UTC),
        actor=actor,
    )
    register_agent(app, command)
    return public_id("agent", agent_id)


def make_escalation(kyros: Kyros, task_id: str, actor: str = "user_1", **fields: Any) -> Any:
    """Asks to escalate `task_id` (now, unless `now` is given); what the command answered
    (its `escalation_id`, its status). Models and estimate come from the task and catalogue."""
    values: dict[str, Any] = {
        "escalation_id": ULID().to_uuid(),
        "task_id": task_id,
        "actor": actor,
        "now": datetime.now(UTC),
        "reason": "needs the premium model",
        **fields,
    }
    opened = submit_escalation(kyros.app, kyros.catalog, SubmitEscalation(**values)).opened
    return opened


def make_budget(app: KyrosApplication, limit: str | int | Decimal = "100", **fields: Any) -> str:
    """A daily hard system budget of `limit`, named after its id unless `fields` say otherwise;
    its id."""
    budget_id = new_id("budget")
    spec = {"name": budget_id, "period": "daily", "limit": limit, **fields}
    define_budget(app, DefineBudget(budget_id=budget_id, fields=spec, actor="admin"))
    return budget_id


def make_webhook(kyros: Kyros, events: list[str], url: str = "http://127.0.0.1:9/hook") -> str:
    """A webhook for `events` with a fresh secret (a port nothing listens on by default)."""
    webhook_id = ULID().to_uuid()
    command = CreateWebhook(
        webhook_id=webhook_id,
        url=url,
        events=events,
        description="",
        sealed_secret=kyros.webhook_secrets.seal(generate_secret()),
        actor="test",
    )
    create_webhook(kyros.app, command)
    return public_id("webhook", webhook_id)


def make_user(
    kyros: Kyros,
    username: str = "alice",
    roles: list[str] | None = None,
    password: str = PASSWORD,
    **overrides: Any,
) -> str:
    """A user (a developer unless `roles` says otherwise) at `username@example.com`;
    its public id. `overrides` set the other fields of CreateUser (email, name, actor)."""
    fields: dict[str, Any] = {
        "user_id": ULID().to_uuid(),
        "username": username,
        "password": password,
        "roles": roles or ["developer"],
        "actor": "test",
        "email": f"{username}@example.com",
        "name": username.title(),
        **overrides,
    }
    create_user(kyros.app, CreateUser(**fields))
    return public_id("user", fields["user_id"])


class Credential(NamedTuple):
    """An API key: its plaintext and its `key_…` id."""

    key: str
    id: str


def make_api_key(kyros: Kyros, role: str, name: str = "test") -> Credential:
    """Creates a key and waits until the read model that authenticates it has it."""
    key_id, key = ULID().to_uuid(), generate_api_key()
    command = CreateApiKey(
        key_id=key_id, name=name, role=role, prefix=key.prefix, key_hash=key.hash, actor="test"
    )
    create_api_key(kyros.app, command)
    kyros.engine.catch_up("api_keys", 500)
    return Credential(key.plaintext, public_id("key", key_id))
