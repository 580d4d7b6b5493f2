"""Loading what commands decide over: an aggregate by its public id (`task_…`), with the
resource's not-found error, and the system configuration as the log has it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from eventsourcing.application import AggregateNotFoundError

from kyros.domain.configuration import CONFIGURATION_ID, with_defaults
from kyros.eventstore.application import KyrosApplication
from kyros.ids import parse_id

A = TypeVar("A")


@dataclass(frozen=True)
class Lookup(Generic[A]):
    """A malformed id and an unknown one are the same answer: `missing(public_id)`."""

    prefix: str
    missing: Callable[[str], Exception]

    def load(self, app: KyrosApplication, public_id: str) -> A:
        uuid = parse_id(self.prefix, public_id)
        if uuid is None:
            raise self.missing(public_id)
        loaded: A = app.load(uuid, lambda: self.missing(public_id))
        return loaded


def load_settings(app: KyrosApplication) -> dict[str, dict[str, Any]]:
    """Every section of the configuration, missing settings at their defaults."""
    try:
        return with_defaults(app.repository.get(CONFIGURATION_ID).settings)
    except AggregateNotFoundError:
        return with_defaults({})
