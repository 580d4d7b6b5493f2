"""A task's representation from the events its write decided, folded as the tasks read model
folds them, so a write answers with exactly what a later GET returns without waiting for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyros.projections.tasks import task_document
from kyros.queries.tasks import public_view


def task_view(events: Sequence[Any]) -> dict[str, Any]:
    """The view of a task from all of its events, as the tasks read model would hold it."""
    return public_view(task_document(events))
