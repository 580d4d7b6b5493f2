"""Builders shared by the integration tests."""

from __future__ import annotations

from typing import Any

from ulid import ULID

from kyros.commands.tasks import CreateTask, create_task
from kyros.eventstore.application import KyrosApplication
from kyros.ids import public_id


def create(app: KyrosApplication, **overrides: Any) -> str:
    """Creates a task through the command layer and returns its public id."""
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
    }
    fields.update(overrides)
    create_task(app, CreateTask(**fields))
    return public_id("task", fields["task_id"])


def table(db: Any, name: str, order: str) -> list[dict[str, Any]]:
    with db.transaction(write=False) as tx:
        return tx.execute(f"SELECT * FROM {name} ORDER BY {order}").fetchall()
