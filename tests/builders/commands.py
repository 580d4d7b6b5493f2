"""Entities made through the command layer, for integration tests and for the identities
that end-to-end tests act as. Each returns what a test refers to the entity by."""

from __future__ import annotations

from typing import Any, NamedTuple

from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import CreateApiKey, create_api_key
from kyros.commands.tasks import CreateTask, create_task
from kyros.commands.users import CreateUser, create_user
from kyros.eventstore.application import KyrosApplication
from kyros.identity.api_keys import generate_api_key
from kyros.ids import public_id

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
