"""Configuration commands."""

from __future__ import annotations

from typing import Any

import msgspec
from eventsourcing.application import AggregateNotFoundError

from kyros.domain.configuration import CONFIGURATION_ID, Configuration, initial_configuration
from kyros.domain.model_catalog import Catalog
from kyros.eventstore.application import KyrosApplication


class ChangeConfiguration(msgspec.Struct, frozen=True, kw_only=True):
    actor: str
    patch: dict[str, Any]


def change_configuration(app: KyrosApplication, catalog: Catalog, cmd: ChangeConfiguration) -> int:
    """The first change also records the defaults it started from, in the same save; model
    settings must name a model of `catalog`."""
    try:
        config: Configuration = app.repository.get(CONFIGURATION_ID)
    except AggregateNotFoundError:
        config = initial_configuration(actor=cmd.actor)
    config.change(cmd.patch, models=catalog.names(), actor=cmd.actor)
    return app.save_all(config)
