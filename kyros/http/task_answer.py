"""A task's representation from the events its write decided, folded and encoded as the tasks
read model stores it and answered as a GET answers the stored text, so a write answers with
exactly the bytes a later GET returns without waiting for the read model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from kyros.projections.tasks import stored_document
from kyros.queries.tasks import stored_view


def task_view(events: Sequence[Any]) -> dict[str, msgspec.Raw]:
    """The view of a task from all of its events, as the tasks read model would hold it."""
    return stored_view(stored_document(events))
