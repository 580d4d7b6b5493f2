"""Loading an aggregate by its public id (`task_…`), with the resource's not-found error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from kyros.ids import parse_id
from kyros.store.application import KyrosApplication

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
